import { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ROUTING_KEYS, SEED_UPLOAD_MESSAGE } from '../../../src/contract';
import { OutboxService } from '../../../src/events/outbox.service';
import { resetDatabase, startApi } from '../../support/app';
import { collectDistinct, EventSubscriber } from '../../support/amqp';
import { IntentService } from '../../../src/intent/intent.service';
import { intentBody } from '../../factories/intent.factory';
import { authHeader } from '../../support/auth';
import { outboxSettled } from '../../support/outbox';
import { eventually, service } from '../../support/services';

/** Stops and starts the shared broker: runs alone, in the serial phase of scripts/test.sh. */
const broker = (action: 'stop' | 'start'): Promise<void> => service('rabbitmq', action);

/** A broker start takes ≈7 s on an idle machine and was seen at 36 s on a loaded one. */
const OUTAGE_TIMEOUT_MS = 180000;
const BURST = 1000;
const CLIENTS = 8;

describe('broker outage (real RabbitMQ stopped and started)', () => {
  let strict: NestExpressApplication;
  let tolerant: NestExpressApplication;

  beforeAll(async () => {
    strict = await startApi();
    tolerant = await startApi({ health: { READYZ_REQUIRE_BROKER: 'false' } });
    await resetDatabase(strict);
    const subscriber = await EventSubscriber.open();
    await subscriber.purge(...ROUTING_KEYS);
    await subscriber.close();
  });

  afterAll(async () => {
    await broker('start');
    await strict.close();
    await tolerant.close();
  }, OUTAGE_TIMEOUT_MS);

  it(
    'keeps accepting changes while the broker is down and delivers every event once when it is back',
    async () => {
      const dataSource = strict.get(DataSource);
      const outbox = strict.get(OutboxService);
      await broker('stop');

      const ready = await request(strict.getHttpServer()).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.error.rabbitmq.status).toBe('down');
      const degraded = await request(tolerant.getHttpServer()).get('/readyz').expect(200);
      expect(degraded.body.status).toBe('degraded');
      expect(degraded.body.details.rabbitmq.status).toBe('degraded');
      expect(degraded.body.details.postgresql.status).toBe('up');

      const ids = Array.from({ length: 50 }, (_, index) => index + 1);
      for (const id of ids) {
        await dataSource.transaction((manager) =>
          outbox.add(
            manager,
            'upload',
            { ...SEED_UPLOAD_MESSAGE, id },
            { type: 'workload_document', id },
          ),
        );
      }
      const metrics = await request(strict.getHttpServer()).get('/metrics');
      expect(metrics.text).toMatch(/^outbox_depth 50$/m);

      await broker('start');
      await eventually(
        'readyz answers 200',
        async () => (await request(strict.getHttpServer()).get('/readyz')).status === 200,
      );

      const subscriber = await EventSubscriber.open();
      try {
        const events = await subscriber.take('upload', ids.length, 60000);
        expect(events.map((event) => event.body.id).sort((a, b) => a - b)).toEqual(ids);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect(await subscriber.depth('upload')).toBe(0);
      } finally {
        await subscriber.close();
      }
    },
    OUTAGE_TIMEOUT_MS,
  );

  it(
    `delivers every intent-notify of ${BURST} intent creations across a broker stop and start`,
    async () => {
      strict.get(IntentService).registerObjectResolver('NEMO_WORKLOAD', async () => true);
      const http = request(strict.getHttpServer());
      const auth = await authHeader();
      const created: number[] = [];
      let next = 0;
      let outage: Promise<void> | undefined;
      let createdWhileDown = BURST;
      const client = async (): Promise<void> => {
        while (next < BURST) {
          next += 1;
          // The broker goes down a fifth into the burst and comes back when it is back up.
          if (next === BURST / 5)
            outage = broker('stop').then(() => {
              createdWhileDown = created.length;
              return broker('start');
            });
          const response = await http
            .post('/api/v1/intents')
            .set('Authorization', auth)
            .send(intentBody({ object_instance: randomUUID() }));
          expect(response.status).toBe(201);
          created.push((response.body as { id: number }).id);
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
      await outage;
      // The broker was down while the burst went on: part of it was recorded with nothing to
      // publish to, and no request waited for the broker.
      expect(createdWhileDown).toBeLessThan(BURST);

      const deliveries = await collectDistinct('intent-notify', BURST, 120000);
      const intentOf = new Map<string, number>();
      for (const { messageId, body } of deliveries) {
        // A redelivery (documented: at-least-once) carries the same message id and the same body.
        expect(intentOf.get(messageId) ?? body.id).toBe(body.id);
        intentOf.set(messageId, body.id);
      }
      expect(intentOf.size).toBe(BURST);
      expect([...intentOf.values()].sort((a, b) => a - b)).toEqual(
        [...created].sort((a, b) => a - b),
      );
      await outboxSettled(strict);
    },
    OUTAGE_TIMEOUT_MS,
  );
});
