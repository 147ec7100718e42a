/**
 * Outbox relay benchmark (issue 4): relay throughput and commit→publish latency against a raw
 * amqplib confirm-channel publish loop, side by side in one process, alternating, median of 3. The
 * latency is measured twice per round: with the writes in the relay's process and in a child
 * process of their own (bench/relay-writer.ts).
 * Prints one JSON object. Run with `npm run bench:relay` (services from scripts/services.sh).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { connect } from 'amqplib';
import { ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ApiModule } from '../src/app.module';
import { EventsConfig } from '../src/config/slices/events.config';
import { EVENTS_EXCHANGE } from '../src/contract';
import { OutboxService } from '../src/events/outbox.service';
import { benchServices, createMigratedDatabase, median, percentile } from './support';
import { runBench } from './processes';
import {
  outboxWrite,
  sharedClock,
  SteadyWrites,
  steadyWrites,
  uploadPayload,
} from './relay-writes';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20000);
const LATENCY_EVENTS = Number(process.env.BENCH_LATENCY_EVENTS ?? 2000);
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WINDOW = 500;
const BENCH_DB = 'nemo_bench';
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 5);

interface Latency {
  p50: number;
  p99: number;
}

const medians = (runs: Latency[]): Latency => ({
  p50: Number(median(runs.map((run) => run.p50)).toFixed(1)),
  p99: Number(median(runs.map((run) => run.p99)).toFixed(1)),
});

const meetsLatency = ({ p50, p99 }: Latency): boolean => p50 <= 10 && p99 <= 50;

/** The child's next message; rejects if it exits first (a writer that failed), so nothing hangs. */
function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const exited = (code: number | null): void =>
      reject(new Error(`the writer process exited (${code})`));
    child.once('exit', exited);
    child.once('message', (message) => {
      child.off('exit', exited);
      resolve(message as T);
    });
  });
}

/**
 * bench/relay-writer.ts as a child process on the same database: the writes of other replicas.
 * Its clock is `sharedClock`, so its commit times compare with this process's arrival times.
 */
async function writerProcess() {
  const child = fork(join(__dirname, 'relay-writer.js'), { stdio: 'inherit' });
  await nextMessage<'ready'>(child);
  return {
    write: async (order: SteadyWrites): Promise<Map<string, number>> => {
      const answer = nextMessage<Array<[string, number]>>(child);
      child.send(order);
      return new Map(await answer);
    },
    close: async (): Promise<void> => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('exit');
      await exited;
    },
  };
}

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
    arrivals.push({ id: String(message.properties.messageId), at: sharedClock() });
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
      channel.publish(EVENTS_EXCHANGE, 'upload', Buffer.from(JSON.stringify(uploadPayload(id))), {
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
      [JSON.stringify(uploadPayload(1)), EVENTS],
    );
    await arrived;
    return EVENTS / ((performance.now() - start) / 1000);
  }

  /** Commit→delivery latency of steady single-event transactions written by `writes`. */
  async function relayLatency(
    writes: (order: SteadyWrites) => Promise<Map<string, number>>,
  ): Promise<Latency> {
    const arrived = queue.expect(LATENCY_EVENTS);
    const readyAt = await writes({ events: LATENCY_EVENTS, ratePerSecond: LATENCY_RATE });
    const latencies = (await arrived).map(
      (arrival) => arrival.at - (readyAt.get(arrival.id) ?? arrival.at),
    );
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  }
  const write = outboxWrite(dataSource, outbox);
  const inRelayProcess = (order: SteadyWrites) => steadyWrites(write, order);
  const writer = await writerProcess();

  await relayThroughput();
  const idle = await idleTransactionsPerSecond(dataSource);
  const warmedUp = queue.expect(2000);
  await rawPublish(2000);
  await warmedUp;
  const relay: number[] = [];
  const raw: number[] = [];
  const together: Latency[] = [];
  const apart: Latency[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const drained = queue.expect(EVENTS);
    raw.push(await rawPublish(EVENTS));
    await drained;
    relay.push(await relayThroughput());
    // Taking turns at going first: neither variant always meets the broker fresh from the backlog.
    if (round % 2 === 0) together.push(await relayLatency(inRelayProcess));
    apart.push(await relayLatency(writer.write));
    if (round % 2 === 1) together.push(await relayLatency(inRelayProcess));
  }
  await writer.close();
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
        writer_in_relay_process: medians(together),
        writer_in_own_process: medians(apart),
      },
      idle_postgres_transactions_per_second: idle,
      poll_interval_ms: app.get(EventsConfig).OUTBOX_POLL_INTERVAL_MS,
      targets: { events_per_second: 5000, ratio: 0.5, p50_ms: 10, p99_ms: 50 },
      meets_targets: {
        throughput: relayEventsPerSecond >= 5000 && ratio >= 0.5,
        latency_writer_in_relay_process: meetsLatency(medians(together)),
        latency_writer_in_own_process: meetsLatency(medians(apart)),
      },
      samples: { relay: relay.map(Math.round), raw: raw.map(Math.round) },
    })}\n`,
  );
}

runBench(main);
