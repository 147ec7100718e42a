import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Options } from 'amqplib';
import { DataSource, QueryRunner } from 'typeorm';
import { DatabaseConfig } from '../config/slices/database.config';
import { EventsConfig } from '../config/slices/events.config';
import { databaseTimeouts, dataSourceOptions } from '../database/data-source-options';
import { MetricsService } from '../metrics/metrics.service';
import { pause } from '../common/concurrency/pause';
import { EVENTS_EXCHANGE } from '../contract';
import { OutboxNotifications, Wakeup } from './outbox-notifications';
import { OUTBOX_PARTITIONS } from './outbox.service';

interface PendingRow {
  id: string;
  message_id: string;
  routing_key: string;
  body: string;
  created_at: Date;
}

/** Namespace of the advisory locks that give one relay loop, in any replica, a partition. */
const PARTITION_LOCK_SPACE = 0x6e656d6f;
const PRUNE_LOCK = -1;
const MAX_BACKOFF_MS = 5000;
const PUBLISH_TIMEOUT_MS = 10000;
const PRUNE_INTERVAL_MS = 10 * 60 * 1000;

/**
 * Publishes outbox rows with publisher confirms and marks them sent only after the broker has
 * confirmed them (at-least-once; subscribers drop duplicates by message_id).
 *
 * Rows are spread over OUTBOX_PARTITIONS partitions by aggregate. A partition is relayed by one
 * loop at a time in the whole deployment (transaction-scoped advisory lock), in id order, so the
 * events of one aggregate keep their order while several replicas run side by side. Each process
 * runs OUTBOX_RELAY_LOOPS loops over disjoint partition sets, which overlaps one loop's database
 * work with another's wait for broker confirms.
 *
 * Loops sleep until a commit NOTIFYs them (OutboxNotifications) and poll every
 * OUTBOX_POLL_INTERVAL_MS only as a fallback, e.g. while the LISTEN connection is down.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly stopping = new AbortController();
  private loops: Promise<void>[] = [];
  private wakeups: Wakeup[] = [];
  /** Woken when every partition is worth a look (the LISTEN connection is back): ends a backoff. */
  private recoveries: Wakeup[] = [];
  private notifications?: OutboxNotifications;
  /** Its own small pool: request traffic on the shared pool must not starve the relay. */
  private relayDb!: DataSource;

  private readonly published;
  private readonly latency;
  private readonly failures;

  constructor(
    private readonly dataSource: DataSource,
    private readonly amqp: AmqpConnection,
    private readonly config: EventsConfig,
    private readonly database: DatabaseConfig,
    metrics: MetricsService,
  ) {
    this.published = metrics.counter({
      name: 'events_published_total',
      help: 'Lifecycle events confirmed by the broker, by routing key',
      labelNames: ['routing_key'],
    });
    this.latency = metrics.histogram({
      name: 'event_publish_latency_seconds',
      help: 'Time from recording an event in the outbox to its broker confirm',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120],
    });
    this.failures = metrics.counter({
      name: 'event_publish_failures_total',
      help: 'Relay batches that could not be published (the events stay in the outbox)',
    });
    metrics.gauge({
      name: 'outbox_depth',
      help: 'Events recorded but not yet confirmed by the broker',
      collect: async function (this: { set(value: number): void }) {
        this.set(await countPending(dataSource));
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const loops = this.config.OUTBOX_RELAY_LOOPS;
    this.relayDb = new DataSource({
      ...dataSourceOptions(this.database.DATABASE_URL, loops + 1, databaseTimeouts(this.database)),
      migrations: [],
      name: 'outbox-relay',
    });
    await this.relayDb.initialize();
    this.wakeups = Array.from({ length: loops }, () => new Wakeup());
    this.recoveries = Array.from({ length: loops }, () => new Wakeup());
    this.notifications = new OutboxNotifications(
      this.database.DATABASE_URL,
      this.database.DATABASE_CONNECT_TIMEOUT_MS,
      (partitions) => this.wake(partitions),
      this.stopping.signal,
    );
    this.notifications.start();
    this.loops = Array.from({ length: loops }, (_, loop) =>
      this.run(partitionsOfLoop(loop, loops), this.wakeups[loop], this.recoveries[loop]),
    );
    this.loops.push(this.pruneEvery(PRUNE_INTERVAL_MS));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.notifications?.stop();
    await Promise.allSettled(this.loops);
    if (this.relayDb?.isInitialized) await this.relayDb.destroy();
  }

  /** Deletes sent events older than the retention; one replica at a time does the work. */
  async prune(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const [{ locked }] = (await manager.query(
        `SELECT pg_try_advisory_xact_lock($1, $2) AS locked`,
        [PARTITION_LOCK_SPACE, PRUNE_LOCK],
      )) as Array<{ locked: boolean }>;
      if (!locked) return 0;
      const [, deleted] = (await manager.query(
        `DELETE FROM outbox_message WHERE sent_at < now() - make_interval(hours => $1)`,
        [this.config.OUTBOX_RETENTION_HOURS],
      )) as [unknown, number];
      return deleted;
    });
  }

  /** Wakes the loops owning `partitions` (loop i of n owns i, i+n, …), or all of them. */
  private wake(partitions?: number[]): void {
    const loops = this.wakeups.length;
    if (!partitions) {
      this.wakeups.forEach((wakeup) => wakeup.wake());
      this.recoveries.forEach((recovery) => recovery.wake());
      return;
    }
    for (const loop of new Set(partitions.map((partition) => partition % loops)))
      this.wakeups[loop]?.wake();
  }

  private async pruneEvery(intervalMs: number): Promise<void> {
    while (!this.stopping.signal.aborted) {
      await this.prune().catch((error: unknown) =>
        this.logger.warn(`Outbox pruning failed: ${String(error)}`),
      );
      await pause(intervalMs, this.stopping.signal);
    }
  }

  /**
   * A loop woken by a commit, or after a full batch, claims at once; after a fallback poll's
   * timeout it first asks, outside any transaction, whether anything waits: an idle relay costs
   * PostgreSQL one cheap read per interval, a busy one no round trip that is not needed. A failed
   * batch backs off up to MAX_BACKOFF_MS, cut short when the LISTEN connection comes back (then
   * PostgreSQL is back): a loop deep in its backoff when PostgreSQL restarts would otherwise wait
   * seconds more, once per dead pooled connection it meets.
   */
  private async run(partitions: number[], wakeup: Wakeup, recovery: Wakeup): Promise<void> {
    let backoffMs = 0;
    let expectEvents = true;
    while (!this.stopping.signal.aborted) {
      try {
        const moved = await this.relayBatch(partitions, expectEvents);
        backoffMs = 0;
        expectEvents =
          moved >= this.config.OUTBOX_BATCH_SIZE ||
          (await wakeup.wait(this.config.OUTBOX_POLL_INTERVAL_MS, this.stopping.signal));
      } catch (error) {
        expectEvents = true;
        backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(100, backoffMs * 2));
        this.onFailure(error, backoffMs);
        await recovery.wait(backoffMs, this.stopping.signal);
      }
    }
  }

  /** One transaction: lock the free partitions of the set, claim a batch, publish, mark sent. */
  private async relayBatch(partitions: number[], expectEvents: boolean): Promise<number> {
    const connected = this.amqp.connected;
    if ((!expectEvents || !connected) && !(await hasPending(this.relayDb, partitions))) return 0;
    if (!connected) throw new Error('broker not connected');
    const runner = this.relayDb.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const rows = await this.claim(runner, partitions);
      if (rows.length > 0) {
        await this.publish(rows);
        await runner.query(
          `UPDATE outbox_message SET sent_at = clock_timestamp() WHERE id = ANY($1::bigint[])`,
          [rows.map((row) => row.id)],
        );
      }
      await runner.commitTransaction();
      this.record(rows);
      return rows.length;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  /**
   * Locks the partitions of the set no other loop holds and reads their oldest rows, in one round
   * trip. The CTE calls a volatile function, so PostgreSQL runs it once, before the read. Each
   * partition is read on its own along the pending index (partition, id), so a claim costs the
   * batch it returns however many sent rows the retention keeps: one scan in id order over all
   * partitions would walk the primary key through every sent row first.
   */
  private async claim(runner: QueryRunner, partitions: number[]): Promise<PendingRow[]> {
    return (await runner.query(
      `WITH locked AS (
         SELECT p FROM unnest($2::int[]) AS p WHERE pg_try_advisory_xact_lock($1, p)
       )
       SELECT pending.* FROM locked, LATERAL (
         SELECT id, message_id, routing_key, body, created_at FROM outbox_message
          WHERE sent_at IS NULL AND partition = locked.p ORDER BY id LIMIT $3
       ) AS pending
       ORDER BY pending.id LIMIT $3`,
      [PARTITION_LOCK_SPACE, partitions, this.config.OUTBOX_BATCH_SIZE],
    )) as PendingRow[];
  }

  private async publish(rows: PendingRow[]): Promise<void> {
    await Promise.all(
      rows.map((row) =>
        this.amqp.publish(
          EVENTS_EXCHANGE,
          row.routing_key,
          Buffer.from(row.body),
          publishOptions(row),
        ),
      ),
    );
  }

  private record(rows: PendingRow[]): void {
    const now = Date.now();
    for (const row of rows) {
      this.published.inc({ routing_key: row.routing_key });
      this.latency.observe((now - row.created_at.getTime()) / 1000);
    }
  }

  private onFailure(error: unknown, backoffMs: number): void {
    this.failures.inc();
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(`Outbox relay paused ${backoffMs} ms: ${reason}`);
  }
}

/** Loop i of n relays partitions i, i+n, i+2n… */
function partitionsOfLoop(loop: number, loops: number): number[] {
  return Array.from({ length: OUTBOX_PARTITIONS }, (_, p) => p).filter((p) => p % loops === loop);
}

/** amqp-connection-manager also takes `timeout`: a publish not confirmed in time fails the batch. */
function publishOptions(row: PendingRow): Options.Publish & { timeout: number } {
  return {
    persistent: true,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    messageId: row.message_id,
    type: row.routing_key,
    appId: 'nemo-intent-api',
    timestamp: Math.floor(row.created_at.getTime() / 1000),
    timeout: PUBLISH_TIMEOUT_MS,
  };
}

/** Per partition along the pending index, for the reason `claim` reads that way. */
async function hasPending(dataSource: DataSource, partitions: number[]): Promise<boolean> {
  const rows = (await dataSource.query(
    `SELECT 1 FROM unnest($1::int[]) AS p
      WHERE EXISTS (SELECT 1 FROM outbox_message WHERE sent_at IS NULL AND partition = p)
      LIMIT 1`,
    [partitions],
  )) as unknown[];
  return rows.length > 0;
}

async function countPending(dataSource: DataSource): Promise<number> {
  const [{ count }] = (await dataSource.query(
    `SELECT count(*)::int AS count FROM outbox_message WHERE sent_at IS NULL`,
  )) as Array<{ count: number }>;
  return count;
}
