import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, QueryRunner } from 'typeorm';
import {
  ChartStore,
  ConditionalWritesUnsupported,
  ObjectChanged,
  PutOptions,
} from '../infra/s3/chart-store.port';
import { emptyIndex, HelmIndex, parseIndex, serializeIndex } from './helm-index';

export type IndexWriteMode = 'both' | 'conditional' | 'lock';

export interface StoredIndex {
  index: HelmIndex;
  /** The exact stored text; undefined when the repository has no index yet. */
  text?: string;
  etag?: string;
}

/** What a change to the index decided: write `index` back or leave the stored one alone. */
export interface IndexChange<T> {
  changed: boolean;
  result: T;
}

export type IndexUpdate = <U>(
  change: (stored: StoredIndex) => IndexChange<U>,
  first?: StoredIndex,
) => Promise<U>;

const INDEX_KEY = 'index.yaml';
/** Namespace of the advisory locks guarding index.yaml ("helm" in ASCII). */
const INDEX_LOCK_SPACE = 0x68656c6d;
const LOCK_WAIT_MS = 60_000;
const MAX_CONDITIONAL_ATTEMPTS = 60;

/**
 * Read-modify-write of index.yaml that never loses an entry under concurrent writers:
 * - `conditional`: S3 conditional writes (If-Match on the ETag read, If-None-Match: * when there
 *   was no index), retried on 412; guards against any writer, including other tools;
 * - `lock`: a PostgreSQL advisory lock around the read-modify-write, for endpoints that ignore
 *   preconditions (s3rver, old gateways); guards against writers of this service only;
 * - `both` (default): the lock serializes our writers, the preconditions catch everyone else's.
 */
export class IndexStore {
  private readonly logger = new Logger(IndexStore.name);
  private preconditionsSupported = true;

  constructor(
    private readonly store: ChartStore,
    private readonly dataSource: DataSource,
    private readonly mode: IndexWriteMode,
  ) {}

  async read(): Promise<StoredIndex> {
    const stored = await this.store.get(INDEX_KEY);
    if (!stored) return { index: emptyIndex(new Date()) };
    const text = stored.bytes.toString('utf-8');
    return { index: parseIndex(text), text, etag: stored.etag };
  }

  /** Applies `change` to the current index and stores the result, as one atomic step. */
  async update<T>(change: (stored: StoredIndex) => IndexChange<T>): Promise<T> {
    return this.exclusive(() => this.updateConditionally(change));
  }

  /**
   * Runs `work` while holding this repository's advisory lock (no lock in conditional mode);
   * `work` changes the index through the `update` it is given, never through `this.update`.
   * `update` may start from an index `work` has just read (saves a GET on the first attempt).
   */
  async exclusive<T>(work: (update: IndexUpdate) => Promise<T>): Promise<T> {
    const update: IndexUpdate = (change, first) => this.updateConditionally(change, first);
    return this.mode === 'conditional' ? work(update) : this.withLock(() => work(update));
  }

  private async updateConditionally<T>(
    change: (stored: StoredIndex) => IndexChange<T>,
    first?: StoredIndex,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const stored = attempt === 1 && first ? first : await this.read();
      const { changed, result } = change(stored);
      if (!changed) return result;
      try {
        await this.write(stored);
        return result;
      } catch (error) {
        if (!(error instanceof ObjectChanged) || attempt >= MAX_CONDITIONAL_ATTEMPTS) throw error;
        await sleep(Math.min(500, 5 * 2 ** Math.min(attempt, 6)) * Math.random());
      }
    }
  }

  private async write(stored: StoredIndex): Promise<void> {
    const options: PutOptions = {
      contentType: 'text/yaml; charset=utf-8',
      cacheControl: 'no-cache',
    };
    const conditional = this.mode !== 'lock' && this.preconditionsSupported;
    if (conditional && stored.etag) options.ifMatch = stored.etag;
    if (conditional && !stored.etag) options.ifAbsent = true;
    try {
      await this.store.put(INDEX_KEY, serializeIndex(stored.index), options);
    } catch (error) {
      if (conditional && error instanceof ConditionalWritesUnsupported && this.mode === 'both') {
        this.logger.warn(
          'The S3 endpoint refuses conditional writes; relying on the advisory lock',
        );
        this.preconditionsSupported = false;
        return this.write(stored);
      }
      throw error;
    }
  }

  private async withLock<T>(work: () => Promise<T>): Promise<T> {
    const runner = await this.acquire();
    try {
      return await work();
    } finally {
      await runner
        .query('SELECT pg_advisory_unlock($1, $2)', [INDEX_LOCK_SPACE, this.lockKey()])
        .catch((error: unknown) =>
          // The session's end frees the lock if the connection broke; the work's answer stands.
          this.logger.warn(`Releasing the index lock failed: ${String(error)}`),
        );
      await runner.release();
    }
  }

  /**
   * Polls pg_try_advisory_lock and gives the pooled connection back between attempts, so that
   * many waiting publishers do not starve the pool; the holder keeps its connection to unlock.
   */
  private async acquire(): Promise<QueryRunner> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      const runner = this.dataSource.createQueryRunner();
      await runner.connect();
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1, $2) AS locked', [
        INDEX_LOCK_SPACE,
        this.lockKey(),
      ])) as Array<{ locked: boolean }>;
      if (locked) return runner;
      await runner.release();
      if (Date.now() > deadline) throw new Error('index.yaml lock not acquired within 60 s');
      await sleep(Math.min(200, 5 + attempt * 5) * (0.5 + Math.random()));
    }
  }

  private lockKey(): number {
    return createHash('sha1').update(this.store.locate(INDEX_KEY)).digest().readInt32BE(0);
  }
}
