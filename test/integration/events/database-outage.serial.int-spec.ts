import { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { IntentService } from '../../../src/intent/intent.service';
import { intentBody } from '../../factories/intent.factory';
import { EventSubscriber } from '../../support/amqp';
import { resetDatabase, startApi } from '../../support/app';
import { authHeader } from '../../support/auth';
import { outboxSettled } from '../../support/outbox';
import { eventually, service } from '../../support/services';

const CONNECT_TIMEOUT_MS = 1500;
/** No request may take longer than the connect timeout plus this, whatever PostgreSQL does. */
const ANSWER_BOUND_MS = CONNECT_TIMEOUT_MS + 3000;
const CLIENTS = 4;

interface Answer {
  at: number;
  ms: number;
  status: number;
  type: string | undefined;
  retryAfter: string | undefined;
  code: string | undefined;
}

/**
 * PostgreSQL stopped for a few seconds under load (the shared server: serial phase only). The api
 * keeps answering — 503 problem+json in bounded time, never 500 — says on /readyz what is down,
 * and recovers by itself, its outbox listener included.
 */
describe('database outage (real PostgreSQL stopped and started under load)', () => {
  let api: NestExpressApplication;
  let auth: string;

  beforeAll(async () => {
    api = await startApi({
      database: { DATABASE_CONNECT_TIMEOUT_MS: CONNECT_TIMEOUT_MS },
      // Only a NOTIFY wakes the relay soon after recovery: proves the listener reconnected.
      events: { OUTBOX_POLL_INTERVAL_MS: 60000 },
    });
    await resetDatabase(api);
    api.get(IntentService).registerObjectResolver('NEMO_WORKLOAD', async () => true);
    auth = await authHeader();
    const subscriber = await EventSubscriber.open();
    await subscriber.purge('intent-notify');
    await subscriber.close();
  });

  afterAll(async () => {
    await service('postgres', 'start');
    await api.close();
  }, 120000);

  it('answers 503 problem+json in bounded time while it is down and recovers without a restart', async () => {
    const http = request(api.getHttpServer());
    const answers: Answer[] = [];
    let running = true;
    const client = async (n: number): Promise<void> => {
      for (let i = 0; running; i++) {
        const started = Date.now();
        const call =
          (n + i) % 2 === 0
            ? http.get('/api/v1/intents?limit=10')
            : http.post('/api/v1/intents').send(intentBody({ object_instance: randomUUID() }));
        const response = await call.set('Authorization', auth);
        answers.push({
          at: started,
          ms: Date.now() - started,
          status: response.status,
          type: response.type,
          retryAfter: response.headers['retry-after'] as string | undefined,
          code: (response.body as { code?: string }).code,
        });
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
    try {
      await eventually('first answers', async () => answers.length >= 20);
      await service('postgres', 'stop');
      const stoppedAt = Date.now();
      await eventually('a 503 under load', async () =>
        answers.some((answer) => answer.at >= stoppedAt && answer.status === 503),
      );
      const ready = await http.get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.error.postgresql.status).toBe('down');
      expect(ready.body.details.rabbitmq.status).toBe('up');
      await new Promise((resolve) => setTimeout(resolve, 2000));

      await service('postgres', 'start');
      const startedAt = Date.now();
      await eventually(
        'answers succeed again',
        async () =>
          answers.filter((answer) => answer.at > startedAt && answer.status < 300).length >= 10,
        30000,
      );
    } finally {
      running = false;
      await load;
    }

    const failed = answers.filter((answer) => answer.status >= 300);
    expect(failed.length).toBeGreaterThan(0);
    for (const answer of failed) {
      expect(answer).toMatchObject({
        status: 503,
        type: 'application/problem+json',
        code: 'dependency_unavailable',
        retryAfter: expect.stringMatching(/^\d+$/),
      });
    }
    expect(Math.max(...answers.map((answer) => answer.ms))).toBeLessThan(ANSWER_BOUND_MS);
    await eventually('readyz answers 200', async () => (await http.get('/readyz')).status === 200);

    // The outbox listener is back on its own connection, and a new intent's event arrives at
    // once (the fallback poll is a minute away).
    const dataSource = api.get(DataSource);
    await eventually('the outbox listener reconnected', async () => {
      const rows = (await dataSource.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
            AND application_name = 'nemo-intent-api-outbox-listener' AND query LIKE 'LISTEN%'`,
      )) as unknown[];
      return rows.length === 1;
    });
    // It woke the relay when it came back: what was recorded meanwhile is delivered too.
    await outboxSettled(api, 10000);
    const subscriber = await EventSubscriber.open();
    try {
      await subscriber.purge('intent-notify');
      const created = await http
        .post('/api/v1/intents')
        .set('Authorization', auth)
        .send(intentBody({ object_instance: randomUUID() }))
        .expect(201);
      const [event] = await subscriber.take('intent-notify', 1, 10000);
      expect(event.body.id).toBe(created.body.id);
    } finally {
      await subscriber.close();
    }
  }, 180000);
});
