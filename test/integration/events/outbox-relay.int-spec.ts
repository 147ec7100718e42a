import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  EventMap,
  EVENTS_EXCHANGE,
  INTENT_NOTIFY_MESSAGE,
  ROUTING_KEYS,
  RoutingKey,
  RUN_MESSAGE,
  SEED_DELETE_MESSAGE,
  SEED_UPLOAD_MESSAGE,
} from '../../../src/contract';
import { OutboxRelay } from '../../../src/events/outbox-relay.service';
import { OutboxService } from '../../../src/events/outbox.service';
import { resetDatabase, startApi } from '../../support/app';
import { EventSubscriber } from '../../support/amqp';
import { eventSchemaErrors } from '../../support/event-schema';
import { outboxSettled } from '../../support/outbox';

const SEED: { [K in RoutingKey]: EventMap[K] } = {
  upload: SEED_UPLOAD_MESSAGE,
  run: RUN_MESSAGE,
  'intent-notify': INTENT_NOTIFY_MESSAGE,
  delete: SEED_DELETE_MESSAGE,
};

describe('outbox → relay → RabbitMQ (real PostgreSQL and broker)', () => {
  let app: NestExpressApplication;
  let dataSource: DataSource;
  let outbox: OutboxService;
  let subscriber: EventSubscriber;

  beforeAll(async () => {
    // Polling an hour apart: every delivery in this file comes from the NOTIFY wake-up.
    app = await startApi({ events: { OUTBOX_POLL_INTERVAL_MS: '60000' } });
    await resetDatabase(app);
    dataSource = app.get(DataSource);
    outbox = app.get(OutboxService);
    subscriber = await EventSubscriber.open();
    await subscriber.purge(...ROUTING_KEYS);
  });

  afterAll(async () => {
    await subscriber.close();
    await app.close();
  });

  const emit = <K extends RoutingKey>(key: K, payload: EventMap[K], id: number): Promise<string> =>
    dataSource.transaction((manager) => outbox.add(manager, key, payload, { type: 'intent', id }));

  it.each(ROUTING_KEYS)(
    'publishes a %s event to its durable queue with the seed body and AMQP properties',
    async (key) => {
      const messageId = await emit(key, SEED[key], 1);
      const [event] = await subscriber.take(key, 1);
      expect(event.body).toEqual(SEED[key]);
      expect(event.raw).toBe(JSON.stringify(SEED[key]));
      expect(eventSchemaErrors(key, event.body)).toEqual([]);
      const { fields, properties } = event.message;
      expect(fields.exchange).toBe(EVENTS_EXCHANGE);
      expect(fields.routingKey).toBe(key);
      expect(properties.deliveryMode).toBe(2);
      expect(properties.contentType).toBe('application/json');
      expect(properties.messageId).toBe(messageId);
      expect(Math.abs(properties.timestamp - Date.now() / 1000)).toBeLessThan(60);
    },
  );

  it('sends nothing for a rolled-back transaction', async () => {
    await expect(
      dataSource.transaction(async (manager) => {
        await outbox.add(
          manager,
          'delete',
          { ...SEED_DELETE_MESSAGE, id: 999 },
          { type: 'workload_instance', id: 999 },
        );
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    await emit('delete', { ...SEED_DELETE_MESSAGE, id: 1000 }, 1000);
    const [event] = await subscriber.take('delete', 1);
    expect(event.body.id).toBe(1000);
    expect(await subscriber.depth('delete')).toBe(0);
  });

  it('delivers each commit within milliseconds, woken by NOTIFY rather than by polling', async () => {
    const latencies: number[] = [];
    for (let id = 1; id <= 20; id++) {
      const committed = Date.now();
      await emit('upload', { ...SEED_UPLOAD_MESSAGE, id }, id);
      const [event] = await subscriber.take('upload', 1, 5000);
      expect(event.body.id).toBe(id);
      latencies.push(Date.now() - committed);
    }
    // The fallback poll is 60 s away: anything under a second was a wake-up.
    expect(Math.max(...latencies)).toBeLessThan(1000);
  });

  it('refuses to record an event outside a transaction', async () => {
    await expect(
      outbox.add(dataSource.manager, 'upload', SEED_UPLOAD_MESSAGE, {
        type: 'workload_document',
        id: 1,
      }),
    ).rejects.toThrow(/inside a transaction/);
  });

  it('keeps the order of one aggregate and delivers each event once', async () => {
    const ids = Array.from({ length: 300 }, (_, index) => index + 1);
    await Promise.all(
      [0, 1, 2].map((aggregate) =>
        dataSource.transaction(async (manager) => {
          for (const id of ids.filter((n) => n % 3 === aggregate)) {
            await outbox.add(
              manager,
              'upload',
              { ...SEED_UPLOAD_MESSAGE, id },
              { type: 'workload_document', id: aggregate },
            );
          }
        }),
      ),
    );
    const events = await subscriber.take('upload', ids.length);
    const seen = events.map((event) => event.body.id);
    expect(new Set(seen).size).toBe(ids.length);
    for (const aggregate of [0, 1, 2]) {
      const ofAggregate = seen.filter((id) => id % 3 === aggregate);
      expect(ofAggregate).toEqual([...ofAggregate].sort((a, b) => a - b));
    }
    await outboxSettled(app);
    expect(await subscriber.depth('upload')).toBe(0);
  });

  it('prunes sent events after the retention and exports outbox metrics', async () => {
    await emit('upload', SEED_UPLOAD_MESSAGE, 7);
    await subscriber.take('upload', 1);
    await outboxSettled(app);
    await dataSource.query(
      `UPDATE outbox_message SET sent_at = now() - interval '100 hours' WHERE sent_at IS NOT NULL`,
    );
    const pruned = await app.get(OutboxRelay).prune();
    expect(pruned).toBeGreaterThan(0);
    const [{ count }] = (await dataSource.query(
      `SELECT count(*)::int AS count FROM outbox_message`,
    )) as Array<{ count: number }>;
    expect(count).toBe(0);
    const metrics = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^outbox_depth 0$/m);
    expect(metrics.text).toMatch(/^events_published_total\{routing_key="upload"\} \d+/m);
    expect(metrics.text).toMatch(/^event_publish_latency_seconds_count \d+/m);
  });
});
