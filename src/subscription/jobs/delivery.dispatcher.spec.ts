import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { MetricsService } from '../../metrics/metrics.service';
import { SubscriptionSettings } from '../subscription-settings';
import { DeliveryDispatcher } from './delivery.dispatcher';

/** A database whose first `failures` claims fail as if PostgreSQL were down, then claim nothing. */
function databaseDownFor(failures: number): { dataSource: DataSource; claims: () => number } {
  let calls = 0;
  const query = async (): Promise<unknown> => {
    calls++;
    if (calls <= failures) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    return [[], 0];
  };
  return { dataSource: { query } as unknown as DataSource, claims: () => calls };
}

describe('DeliveryDispatcher while PostgreSQL is down', () => {
  const settings = { concurrency: 4, pollIntervalMs: 10, timeoutMs: 1000 } as SubscriptionSettings;
  let errors: jest.SpyInstance;
  let logs: jest.SpyInstance;

  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    logs = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  async function runFor(ms: number, dataSource: DataSource): Promise<void> {
    const dispatcher = new DeliveryDispatcher(dataSource, settings, new MetricsService());
    dispatcher.onApplicationBootstrap();
    await sleep(ms);
    await dispatcher.onApplicationShutdown();
  }

  it('backs off between failed claims and logs at powers of two, not once per poll', async () => {
    const database = databaseDownFor(Number.POSITIVE_INFINITY);
    await runFor(600, database.dataSource);
    // Polling every 10 ms would be ≈60 claims and 60 error lines in 600 ms.
    expect(database.claims()).toBeLessThanOrEqual(9);
    const counts = errors.mock.calls.map(
      ([message]) => /\((\d+) in a row/.exec(String(message))?.[1],
    );
    expect(counts.length).toBeGreaterThanOrEqual(3);
    expect(counts).toEqual(['1', '2', '4', '8'].slice(0, counts.length));
  });

  it('says once that claiming works again, then polls at its interval', async () => {
    const database = databaseDownFor(3);
    await runFor(400, database.dataSource);
    expect(logs.mock.calls.map(([message]) => message)).toEqual([
      'claiming webhook deliveries works again after 3 failures',
    ]);
    // Three backoffs of at most 10 + 20 + 40 ms, then a claim every ≈10 ms.
    expect(database.claims()).toBeGreaterThan(15);
  });
});
