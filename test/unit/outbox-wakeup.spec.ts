import { Wakeup } from '../../src/events/outbox-notifications';
import { unavailableDependency } from '../../src/database/database-unavailable';
import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';

describe('Wakeup', () => {
  const never = new AbortController().signal;

  it('keeps a wake-up that came while nobody waited', async () => {
    const wakeup = new Wakeup();
    wakeup.wake();
    const started = Date.now();
    await wakeup.wait(10000, never);
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('ends a wait on wake(), and otherwise after the interval', async () => {
    const wakeup = new Wakeup();
    const started = Date.now();
    setTimeout(() => wakeup.wake(), 20);
    await wakeup.wait(10000, never);
    expect(Date.now() - started).toBeLessThan(1000);
    const idle = Date.now();
    await wakeup.wait(50, never);
    expect(Date.now() - idle).toBeGreaterThanOrEqual(45);
  });

  it('ends a wait when the relay stops', async () => {
    const stopping = new AbortController();
    const wakeup = new Wakeup();
    setTimeout(() => stopping.abort(), 20);
    const started = Date.now();
    await wakeup.wait(10000, stopping.signal);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('unavailableDependency', () => {
  it.each([
    [
      { code: '57P01', message: 'terminating connection due to administrator command' },
      'postgresql',
    ],
    [{ code: '57P03', message: 'the database system is shutting down' }, 'postgresql'],
    [{ code: '08006' }, 'postgresql'],
    [{ code: '57014', message: 'canceling statement due to statement timeout' }, 'postgresql'],
    [new Error('Connection terminated unexpectedly'), 'postgresql'],
    [new Error('timeout exceeded when trying to connect'), 'postgresql'],
    [new QueryRunnerAlreadyReleasedError(), 'postgresql'],
    [new QueryRunnerProviderAlreadyReleasedError(), 'postgresql'],
    [
      { message: 'wrapped', driverError: new Error('Connection terminated unexpectedly') },
      'postgresql',
    ],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      'a backing service',
    ],
  ])('%p is %s being unavailable', (error, dependency) => {
    expect(unavailableDependency(error)).toBe(dependency);
  });

  it.each([
    [{ code: '23505', message: 'duplicate key value violates unique constraint' }],
    [new Error('something else broke')],
    ['a string'],
    [null],
  ])('%p is not an outage (stays a 4xx/500)', (error) => {
    expect(unavailableDependency(error)).toBeUndefined();
  });
});
