/**
 * Outbox relay benchmark (issue 4): relay throughput and commit→publish latency against a raw
 * amqplib confirm-channel publish loop, side by side in one process, alternating, median of 3.
 * Prints one JSON object. Run with `npm run bench:relay` (services from scripts/services.sh).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { connect } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiModule } from '../src/app.module';
import { EventsConfig } from '../src/config/slices/events.config';
import { EVENTS_EXCHANGE, UploadEvent } from '../src/contract';
import { OutboxService } from '../src/events/outbox.service';
import { benchServices, createMigratedDatabase, median, percentile } from './support';
import { runBench } from './processes';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20000);
const LATENCY_EVENTS = Number(process.env.BENCH_LATENCY_EVENTS ?? 2000);
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WINDOW = 500;
const BENCH_DB = 'nemo_bench';
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 5);

const payload = (id: number): UploadEvent => ({
  id,
  name: 'echo-server',
  version: '0.5.5',
  type: 'chart',
  status: 'accepted',
});

/** A consumer on the upload queue that resolves when `count` messages arrived, timing each. */
async function consumer() {
  const connection = await connect(process.env.RABBITMQ_URL ?? '');
  const channel = await connection.createChannel();
  await channel.assertQueue('upload', { durable: true });
  await channel.purgeQueue('upload');
  await channel.prefetch(2000);
  let expected = 0;
  let arrivals: Array<{ id: string; at: number }> = [];
  let done: () => void = () => undefined;
  await channel.consume('upload', (message) => {
    if (!message) return;
    channel.ack(message);
    arrivals.push({ id: String(message.properties.messageId), at: performance.now() });
    if (arrivals.length === expected) done();
  });
  return {
    expect(count: number): Promise<Array<{ id: string; at: number }>> {
      expected = count;
      arrivals = [];
      return new Promise((resolve) => (done = () => resolve(arrivals)));
    },
    close: () => connection.close(),
  };
}

/** The floor: publish the same bodies on a confirm channel in windows of 500, as fast as possible. */
async function rawPublish(count: number): Promise<number> {
  const connection = await connect(process.env.RABBITMQ_URL ?? '');
  const channel = await connection.createConfirmChannel();
  const start = performance.now();
  for (let sent = 0; sent < count; sent += WINDOW) {
    for (let id = sent; id < Math.min(count, sent + WINDOW); id++) {
      channel.publish(EVENTS_EXCHANGE, 'upload', Buffer.from(JSON.stringify(payload(id))), {
        persistent: true,
        contentType: 'application/json',
        messageId: randomUUID(),
      });
    }
    await channel.waitForConfirms();
  }
  const seconds = (performance.now() - start) / 1000;
  await connection.close();
  return count / seconds;
}

/** Transactions PostgreSQL committed in the bench database per second while nothing happens. */
async function idleTransactionsPerSecond(dataSource: DataSource): Promise<number> {
  const committed = async (): Promise<number> => {
    // Statistics are flushed by each backend at most once a second: read them fresh.
    await dataSource.query(`SELECT pg_stat_clear_snapshot()`);
    const [{ xacts }] = (await dataSource.query(
      `SELECT xact_commit::bigint AS xacts FROM pg_stat_database WHERE datname = current_database()`,
    )) as Array<{ xacts: string }>;
    return Number(xacts);
  };
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const before = await committed();
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  // The two reads of ours (two transactions each) are not the relay's.
  return Number((((await committed()) - before - 2) / (IDLE_SECONDS + 1.5)).toFixed(1));
}

async function main(): Promise<void> {
  // Its own database, broker vhost and dev-token file: a running `npm run dev` is not touched.
  Object.assign(process.env, await benchServices('relay'), {
    DATABASE_URL: await createMigratedDatabase(BENCH_DB),
    LOG_LEVEL: 'silent',
    AUTH_MODE: 'dev',
    // The writers here queue for pool connections on purpose (a steady 1,000 commits/s on a loaded
    // machine): waiting is the benchmark's business, shedding load is not what it measures.
    DATABASE_CONNECT_TIMEOUT_MS: '60000',
  });
  const app = await NestFactory.createApplicationContext(ApiModule, { logger: false });
  await app.init();
  const dataSource = app.get(DataSource);
  const outbox = app.get(OutboxService);
  const queue = await consumer();

  /** Relay throughput: a backlog of EVENTS rows committed at once, timed until all are consumed. */
  async function relayThroughput(): Promise<number> {
    const arrived = queue.expect(EVENTS);
    const start = performance.now();
    await dataSource.query(
      `INSERT INTO outbox_message (message_id, routing_key, aggregate_type, aggregate_id, partition, body)
       SELECT gen_random_uuid(), 'upload', 'workload_document', (n % 1000)::text, n % 8, $1
         FROM generate_series(1, $2) AS n`,
      [JSON.stringify(payload(1)), EVENTS],
    );
    await arrived;
    return EVENTS / ((performance.now() - start) / 1000);
  }

  /** Commit→delivery latency at a steady rate of single-event transactions through OutboxService. */
  async function relayLatency(): Promise<{ p50: number; p99: number }> {
    const committedAt = new Map<string, number>();
    const arrived = queue.expect(LATENCY_EVENTS);
    const interval = 1000 / LATENCY_RATE;
    const start = performance.now();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < LATENCY_EVENTS; i++) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      // The clock starts when the change is ready to commit (the COMMIT round trip is counted).
      writes.push(
        dataSource.transaction(async (manager) => {
          const messageId = await outbox.add(manager, 'upload', payload(i), {
            type: 'workload_document',
            id: i,
          });
          committedAt.set(messageId, performance.now());
        }),
      );
    }
    await Promise.all(writes);
    const latencies = (await arrived).map(
      (arrival) => arrival.at - (committedAt.get(arrival.id) ?? arrival.at),
    );
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  }

  await relayThroughput();
  const idle = await idleTransactionsPerSecond(dataSource);
  const warmedUp = queue.expect(2000);
  await rawPublish(2000);
  await warmedUp;
  const relay: number[] = [];
  const raw: number[] = [];
  const p50: number[] = [];
  const p99: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const drained = queue.expect(EVENTS);
    raw.push(await rawPublish(EVENTS));
    await drained;
    relay.push(await relayThroughput());
    const latency = await relayLatency();
    p50.push(latency.p50);
    p99.push(latency.p99);
  }
  await queue.close();
  await app.close();
  const relayEventsPerSecond = Math.round(median(relay));
  const rawEventsPerSecond = Math.round(median(raw));
  const ratio = Number((relayEventsPerSecond / rawEventsPerSecond).toFixed(3));
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'outbox-relay',
      events_per_round: EVENTS,
      rounds: ROUNDS,
      relay_events_per_second: relayEventsPerSecond,
      raw_confirm_publish_events_per_second: rawEventsPerSecond,
      ratio,
      commit_to_delivery_latency_ms: {
        rate_per_second: LATENCY_RATE,
        p50: Number(median(p50).toFixed(1)),
        p99: Number(median(p99).toFixed(1)),
      },
      idle_postgres_transactions_per_second: idle,
      poll_interval_ms: app.get(EventsConfig).OUTBOX_POLL_INTERVAL_MS,
      targets: { events_per_second: 5000, ratio: 0.5, p50_ms: 10, p99_ms: 50 },
      meets_targets:
        relayEventsPerSecond >= 5000 && ratio >= 0.5 && median(p50) <= 10 && median(p99) <= 50,
      samples: { relay: relay.map(Math.round), raw: raw.map(Math.round) },
    })}\n`,
  );
}

runBench(main);
