import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  PutObjectCommandInput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, QueryRunner } from 'typeorm';
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

/** Another writer changed index.yaml between our read and our write (S3 answered 412/409). */
class PreconditionFailed extends Error {}

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
    private readonly s3: S3Client,
    private readonly dataSource: DataSource,
    private readonly location: { bucket: string; key: string },
    private readonly mode: IndexWriteMode,
  ) {}

  async read(): Promise<StoredIndex> {
    try {
      const answer = await this.s3.send(
        new GetObjectCommand({ Bucket: this.location.bucket, Key: this.location.key }),
      );
      const text = (await answer.Body?.transformToString('utf-8')) ?? '';
      return { index: parseIndex(text), text, etag: answer.ETag };
    } catch (error) {
      if (isMissing(error)) return { index: emptyIndex(new Date()) };
      throw error;
    }
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
        if (!(error instanceof PreconditionFailed) || attempt >= MAX_CONDITIONAL_ATTEMPTS)
          throw error;
        await sleep(Math.min(500, 5 * 2 ** Math.min(attempt, 6)) * Math.random());
      }
    }
  }

  private async write(stored: StoredIndex): Promise<void> {
    const input: PutObjectCommandInput = {
      Bucket: this.location.bucket,
      Key: this.location.key,
      Body: serializeIndex(stored.index),
      ContentType: 'text/yaml; charset=utf-8',
      CacheControl: 'no-cache',
    };
    const conditional = this.mode !== 'lock' && this.preconditionsSupported;
    if (conditional && stored.etag) input.IfMatch = stored.etag;
    if (conditional && !stored.etag) input.IfNoneMatch = '*';
    try {
      await this.s3.send(new PutObjectCommand(input));
    } catch (error) {
      if (isPreconditionFailure(error)) throw new PreconditionFailed();
      if (conditional && isNotImplemented(error) && this.mode === 'both') {
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
        .catch(() => undefined);
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
    return createHash('sha1')
      .update(`${this.location.bucket}/${this.location.key}`)
      .digest()
      .readInt32BE(0);
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as S3ServiceException | undefined)?.$metadata?.httpStatusCode;
}

export function isMissing(error: unknown): boolean {
  return (
    error instanceof NoSuchKey || (error as Error)?.name === 'NotFound' || statusOf(error) === 404
  );
}

function isPreconditionFailure(error: unknown): boolean {
  const name = (error as Error)?.name;
  return (
    name === 'PreconditionFailed' ||
    name === 'ConditionalRequestConflict' ||
    statusOf(error) === 412 ||
    statusOf(error) === 409
  );
}

function isNotImplemented(error: unknown): boolean {
  return (error as Error)?.name === 'NotImplemented' || statusOf(error) === 501;
}
