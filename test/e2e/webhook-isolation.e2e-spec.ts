import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Channel, ChannelModel, connect } from 'amqplib';
import { createServer, Server, Socket } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { IntentService } from '../../src/intent/intent.service';
import { intentBody } from '../factories/intent.factory';
import { resetDatabase, startApi } from '../support/app';
import { authHeader } from '../support/auth';
import { startWorker } from '../support/worker';
import { eventually } from '../support/webhook-receiver';

/** Every delivery slot of the sender, one per subscription, each held far longer than the test. */
const SLOTS = 8;
const CONFIG = {
  subscription: {
    SUBSCRIPTION_CONCURRENCY: SLOTS,
    SUBSCRIPTION_CONCURRENCY_PER_SUBSCRIPTION: 1,
    SUBSCRIPTION_TIMEOUT_MS: 60000,
    SUBSCRIPTION_POLL_INTERVAL_MS: 20,
  },
};
/** Intents created (and `intent-notify` events timed) per phase. */
const CHANGES = 20;

/**
 * A receiver that accepts connections and reads requests but never answers: each delivery sent
 * to it holds a slot of the sender until SUBSCRIPTION_TIMEOUT_MS.
 */
class SilentReceiver {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Connections on which a request arrived (and was never answered). */
  requests = 0;

  constructor() {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('data', () => (this.requests += 1));
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => this.sockets.delete(socket));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    return `http://127.0.0.1:${port}/silent`;
  }

  /** Open connections right now: the deliveries it is holding. */
  get holding(): number {
    return this.sockets.size;
  }

  /** Drops every held request, so the sender's attempts end (as failures) at once. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

/**
 * "A slow or dead receiver never delays the RabbitMQ events" (issue 17), measured: the api role
 * (HTTP + outbox relay) and the worker role (webhook sender) run in this one process, sharing its
 * event loop. Lifecycle events are timed from the change's 201 to their arrival on RabbitMQ, first
 * with no subscription, then while every delivery slot is held by a receiver that never answers
 * (timeout 60 s). Were webhooks delivered on the relay's path — the same loop, queue or outbox
 * batch — every event of the second phase would wait for a held delivery, and arrive a minute
 * late or not within the test at all.
 */
describe('Webhook deliveries never delay the RabbitMQ events (e2e: api + worker + a silent receiver)', () => {
  let app: NestExpressApplication;
  let worker: INestApplication | undefined;
  let http: ReturnType<typeof request>;
  let dataSource: DataSource;
  let writer: string;
  let silent: SilentReceiver;
  let amqp: ChannelModel;
  let channel: Channel;
  /** When each intent's `intent-notify` reached the subscriber, by intent id. */
  const arrivals = new Map<number, number>();

  beforeAll(async () => {
    app = await startApi(CONFIG);
    await resetDatabase(app);
    http = request(app.getHttpServer());
    dataSource = app.get(DataSource);
    app.get(IntentService).registerObjectResolver('NEMO_WORKLOAD', async () => true);
    writer = await authHeader();
    silent = new SilentReceiver();
    amqp = await connect(process.env.RABBITMQ_URL ?? '');
    channel = await amqp.createChannel();
    await channel.assertQueue('intent-notify', { durable: true });
    await channel.purgeQueue('intent-notify');
    await channel.consume('intent-notify', (message) => {
      if (!message) return;
      channel.ack(message);
      const body = JSON.parse(message.content.toString('utf8')) as { id: number };
      arrivals.set(body.id, Date.now());
    });
    worker = await startWorker({ config: CONFIG });
  });

  afterAll(async () => {
    // The held requests are dropped first: the sender's shutdown waits for its attempts.
    await silent?.stop();
    await worker?.close();
    await channel?.close();
    await amqp?.close();
    await app?.close();
  });

  /** Creates intents one after another; answers how long each one's `intent-notify` took. */
  async function timedChanges(count: number): Promise<number[]> {
    const delays: number[] = [];
    for (let i = 0; i < count; i++) {
      const created = await http
        .post('/api/v1/intents')
        .set('Authorization', writer)
        .send(
          intentBody({ object_instance: `9e1f5a3c-0000-4000-8000-${String(i).padStart(12, '0')}` }),
        )
        .expect(201);
      const committed = Date.now();
      const id = created.body.id as number;
      await eventually(() => arrivals.has(id), 30000, `intent-notify of intent ${id}`);
      delays.push(Math.max(0, arrivals.get(id)! - committed));
    }
    return delays;
  }

  it('keeps intent-notify as fast while every delivery slot is held by a receiver that never answers', async () => {
    await timedChanges(3); // warm-up: connections, prepared plans
    const unhindered = await timedChanges(CHANGES);

    const callback = await silent.start();
    for (let i = 0; i < SLOTS; i++)
      await http
        .post('/api/v1/subscriptions')
        .set('Authorization', writer)
        .send({ callback_url: callback, events: ['intent.created'] })
        .expect(201);
    // One change gives every subscription a delivery; the sender takes all its slots for them.
    await timedChanges(1);
    await eventually(() => silent.requests >= SLOTS, 10000, 'every delivery slot held');

    const hindered = await timedChanges(CHANGES);

    // Still held, none answered: the events above went out beside SLOTS hanging deliveries,
    // and the deliveries of their changes wait behind those.
    expect(silent.holding).toBe(SLOTS);
    expect(silent.requests).toBe(SLOTS);
    const [{ pending }] = (await dataSource.query(
      'SELECT count(*)::int AS pending FROM webhook_delivery',
    )) as Array<{ pending: number }>;
    expect(pending).toBe(SLOTS * (CHANGES + 1));

    const figures = { unhindered: median(unhindered), hindered: median(hindered) };
    // Comparable: within noise of this shared machine, and nowhere near the 60 s a held slot lasts.
    expect(figures.hindered).toBeLessThanOrEqual(3 * figures.unhindered + 100);
    expect(Math.max(...hindered)).toBeLessThan(2000);
  });
});
