import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ifPresent } from '../../common/fs/if-present';
import { RenderConfig } from '../../config/slices/render.config';
import { WorkDirConfig } from '../../config/slices/work-dir.config';

/** What decides the output of `helm template`: the same key always renders the same text. */
export interface RenderKey {
  chartDigest: string;
  values: Record<string, unknown>;
  releaseName: string;
  namespace?: string;
  /** The target cluster's capabilities given to helm, when it has a profile. */
  capabilities?: RenderCapabilities;
}

/** What `helm template` is told of the target cluster (a cluster profile). */
export interface RenderCapabilities {
  kubeVersion: string;
  apiVersions: readonly string[];
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` values share one cache entry. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      );
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function renderCacheKey(key: RenderKey): string {
  const parts: unknown[] = [key.chartDigest, key.values, key.releaseName, key.namespace ?? null];
  // Only when present, so renders without a cluster profile keep the keys they always had.
  if (key.capabilities) {
    parts.push({
      kubeVersion: key.capabilities.kubeVersion,
      apiVersions: [...key.capabilities.apiVersions].sort(),
    });
  }
  return createHash('sha256').update(canonicalJson(parts)).digest('hex');
}

const FILE_SUFFIX = '.yaml';
/** Pruning lists the folder: do it once per this many writes, not on every write… */
const PRUNE_EVERY_WRITES = 50;
/** …or once this share of RENDER_CACHE_MAX_BYTES was written since the last pruning. */
const PRUNE_AFTER_BYTES_SHARE = 0.1;

/**
 * `helm template` output on local disk, keyed by {@link renderCacheKey}. Files are written
 * atomically (temp file + rename) and readable by the owner only (renders may hold secrets from
 * values). Replicas on one node may share the folder; a miss only costs a render. The oldest
 * entries beyond RENDER_CACHE_MAX_ENTRIES, or beyond RENDER_CACHE_MAX_BYTES together, are
 * removed; an entry larger than a tenth of the byte budget is not stored at all.
 */
@Injectable()
export class RenderCache {
  private readonly logger = new Logger(RenderCache.name);
  private readonly dir: string;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  readonly enabled: boolean;
  private writes = 0;
  private bytesSincePrune = 0;
  private ready?: Promise<unknown>;

  constructor(config: RenderConfig, workDir: WorkDirConfig) {
    this.dir = config.RENDER_CACHE_DIR ?? join(workDir.WORK_DIR, 'render-cache');
    this.maxEntries = config.RENDER_CACHE_MAX_ENTRIES;
    this.maxBytes = config.RENDER_CACHE_MAX_BYTES;
    this.enabled = config.RENDER_CACHE_ENABLED;
  }

  private path(key: string): string {
    return join(this.dir, `${key}${FILE_SUFFIX}`);
  }

  async get(key: string): Promise<string | undefined> {
    if (!this.enabled) return undefined;
    try {
      return await readFile(this.path(key), 'utf8');
    } catch {
      return undefined;
    }
  }

  async put(key: string, rendered: string): Promise<void> {
    if (!this.enabled) return;
    const size = Buffer.byteLength(rendered);
    if (size > this.maxBytes * PRUNE_AFTER_BYTES_SHARE) return;
    this.ready ??= mkdir(this.dir, { recursive: true, mode: 0o700 });
    try {
      await this.ready;
      const temporary = join(this.dir, `.${randomUUID()}.tmp`);
      await writeFile(temporary, rendered, { mode: 0o600 });
      await rename(temporary, this.path(key));
    } catch (error) {
      this.ready = undefined;
      this.logger.warn(`render cache write failed: ${(error as Error).message}`);
      return;
    }
    this.writes += 1;
    this.bytesSincePrune += size;
    const due =
      this.writes % PRUNE_EVERY_WRITES === 0 ||
      this.bytesSincePrune > this.maxBytes * PRUNE_AFTER_BYTES_SHARE;
    if (due) await this.prune();
  }

  /** Removes the oldest entries beyond the configured maximum count and total size. */
  async prune(): Promise<number> {
    this.bytesSincePrune = 0;
    const names = ((await ifPresent(readdir(this.dir))) ?? []).filter((name) =>
      name.endsWith(FILE_SUFFIX),
    );
    const entries = await Promise.all(
      names.map(async (name) => {
        const found = await ifPresent(stat(join(this.dir, name)));
        return { name, mtime: found?.mtimeMs ?? 0, size: found?.size ?? 0 };
      }),
    );
    const newestFirst = entries.sort((a, b) => b.mtime - a.mtime);
    let keptBytes = 0;
    const fits = newestFirst.findIndex((entry, index) => {
      keptBytes += entry.size;
      return index >= this.maxEntries || keptBytes > this.maxBytes;
    });
    const victims = fits < 0 ? [] : newestFirst.slice(fits);
    await Promise.all(victims.map((victim) => ifPresent(unlink(join(this.dir, victim.name)))));
    return victims.length;
  }
}
