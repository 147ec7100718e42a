import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DataSource } from 'typeorm';
import { NotFoundError } from '../common/errors/domain-error';
import { HelmRepositoryConfig } from '../config/slices/helm-repository.config';
import { S3Config } from '../config/slices/s3.config';
import { WorkDirConfig } from '../config/slices/work-dir.config';
import { CHART_STORE, ChartStore } from '../infra/s3/chart-store.port';
import { ChartListResponse, toChartListResponse } from './dto/helm-repo.dto';
import { BucketLocation, parseBucketPath } from '../infra/s3/s3.module';
import {
  addEntry,
  AddOutcome,
  buildEntry,
  findEntry,
  HelmIndex,
  removeEntry,
  serializeIndex,
} from './helm-index';
import { helmS3ObjectMetadata } from './helm-s3-metadata';
import { IndexStore } from './index-store';

export interface ChartPackage {
  bytes: Buffer;
  /** sha256 of `bytes`, hex. */
  digest: string;
  /** Chart.yaml as read from the package (name and version at least). */
  metadata: Record<string, unknown> & { name: string; version: string };
  /** The verified `.prov` of the package, published beside it (`<file>.prov`) for `helm pull --verify`. */
  provenance?: Buffer;
}

export type PublishOutcome = 'published' | 'already-published' | 'conflict';

/** How long a read of index.yaml answers fetchChart before it is read again. */
const INDEX_CACHE_MS = 2000;
const SHA256_HEX = /^[a-f0-9]{64}$/;

/**
 * The NEMO Helm repository: an S3 bucket path in the helm-s3 layout (`<prefix>/index.yaml` and
 * `<prefix>/<name>-<version>.tgz`), readable by `helm repo add` over HTTP, by the helm-s3 plugin and
 * by s3cmd. Writes of index.yaml go through IndexStore, which never loses a concurrent entry.
 */
@Injectable()
export class HelmRepoService implements OnApplicationBootstrap {
  private readonly logger = new Logger(HelmRepoService.name);
  private readonly location: BucketLocation;
  private readonly store: IndexStore;
  private readonly cacheDir: string;
  private cachedIndex?: { index: HelmIndex; readAt: number };
  private readonly downloads = new Map<string, Promise<string>>();

  constructor(
    @Inject(CHART_STORE) private readonly objects: ChartStore,
    dataSource: DataSource,
    private readonly config: HelmRepositoryConfig,
    private readonly s3: S3Config,
    workDir: WorkDirConfig,
  ) {
    this.location = parseBucketPath(config.HELM_REPOSITORY_BUCKET);
    this.store = new IndexStore(objects, dataSource, config.HELM_INDEX_WRITE_MODE);
    this.cacheDir = join(workDir.WORK_DIR, 'charts');
  }

  /** `helm s3 init --ignore-if-exists`: a fresh repository answers `helm repo add` at once. */
  async onApplicationBootstrap(): Promise<void> {
    await this.store
      .update((stored) => ({ changed: stored.text === undefined, result: undefined }))
      .catch((error: unknown) =>
        this.logger.warn(`Could not initialize index.yaml: ${(error as Error).message}`),
      );
  }

  /** The name clients add the repository under: `helm repo add <name> <url>`, then `helm pull <name>/<chart>`. */
  repositoryName(): string {
    return this.config.HELM_REPOSITORY_NAME;
  }

  /** The repository URL for `helm repo add` over HTTP. */
  repositoryUrl(): string {
    if (this.config.HELM_REPOSITORY_PUBLIC_URL) {
      return this.config.HELM_REPOSITORY_PUBLIC_URL.replace(/\/+$/, '');
    }
    const endpoint = this.s3.AWS_ENDPOINT.replace(/\/+$/, '');
    return [endpoint, this.location.bucket, this.location.prefix].filter(Boolean).join('/');
  }

  async readIndex(): Promise<HelmIndex> {
    return (await this.store.read()).index;
  }

  /** index.yaml exactly as stored (an empty index when the repository has none yet). */
  async readIndexText(): Promise<string> {
    const stored = await this.store.read();
    return stored.text ?? serializeIndex(stored.index);
  }

  /** Every chart of the index by name, with the repository's URL. */
  async listCharts(): Promise<ChartListResponse> {
    const index = await this.readIndex();
    const charts = Object.keys(index.entries)
      .sort()
      .map((name) => ({ name, versions: index.entries[name] }));
    const repository = { name: this.repositoryName(), url: this.repositoryUrl() };
    return toChartListResponse(repository, charts);
  }

  /**
   * Stores the package and adds its index entry. Safe to repeat: an entry with the same digest is
   * left alone (and a missing package object is written again). A different package already
   * published under the same name and version is a 'conflict' and nothing is written.
   */
  async publish(chart: ChartPackage): Promise<PublishOutcome> {
    try {
      return await this.publishOnce(chart);
    } catch (error) {
      // The rejection reason an uploader reads when S3 stays unreachable: which repository failed.
      throw new Error(
        `could not publish to the NEMO Helm repository ${this.bucketPath()} (${this.s3.AWS_ENDPOINT}): ${describe(error)}`,
        { cause: error },
      );
    }
  }

  private async publishOnce(chart: ChartPackage): Promise<PublishOutcome> {
    const file = `${chart.metadata.name}-${chart.metadata.version}.tgz`;
    return this.store.exclusive(async (update) => {
      const stored = await this.store.read();
      const current = findEntry(stored.index, chart.metadata.name, chart.metadata.version);
      if (current && current.digest !== chart.digest) return 'conflict';
      if (!current || !(await this.exists(file))) await this.putPackage(file, chart);
      if (chart.provenance && (!current || !(await this.exists(provenanceFile(file))))) {
        await this.putProvenance(file, chart.provenance);
      }
      const entry = buildEntry(chart.metadata, {
        digest: chart.digest,
        url: this.chartUrl(file),
        created: new Date(),
      });
      const outcome = await update<AddOutcome>(({ index }) => {
        const added = addEntry(index, entry, new Date());
        return { changed: added === 'added', result: added };
      }, stored);
      this.cachedIndex = undefined;
      if (outcome === 'added') return 'published';
      return outcome === 'present' ? 'already-published' : 'conflict';
    });
  }

  /**
   * Removes the version from the index and then its package, but only when the published digest is
   * `digest` (a version someone else published stays). Safe to repeat after a partial failure.
   */
  async unpublish(name: string, version: string, digest: string): Promise<void> {
    const file = `${name}-${version}.tgz`;
    await this.store.exclusive(async (update) => {
      const owned = await update(({ index }) => {
        const entry = findEntry(index, name, version);
        const removed = removeEntry(index, name, version, digest, new Date());
        return { changed: removed, result: removed || entry === undefined };
      });
      if (owned) await this.deletePackage(file, digest);
    });
    this.cachedIndex = undefined;
  }

  /**
   * Local path of the chart package as stored in the repository, downloaded once and cached on
   * disk by digest, its sha256 verified. With `expectedDigest` (a published document's) index.yaml
   * is not read: every package is published as `<name>-<version>.tgz`, and the index is rewritten by
   * every other publication meanwhile (an S3 endpoint without atomic writes, such as s3rver, then
   * answers a torn read). Without it, the index names the package and its digest.
   */
  async fetchChart(name: string, version: string, expectedDigest?: string): Promise<string> {
    if (expectedDigest) return this.cachedPackage(`${name}-${version}.tgz`, expectedDigest);
    let entry = findEntry(await this.indexForFetch(false), name, version);
    entry ??= findEntry(await this.indexForFetch(true), name, version);
    if (!entry) throw new NotFoundError('chart', `${name}-${version}`);
    return this.cachedPackage(basename(entry.urls[0] ?? `${name}-${version}.tgz`), entry.digest);
  }

  /** The package `file` of sha256 `digest` from the disk cache, or downloaded once into it. */
  private async cachedPackage(file: string, digest: string): Promise<string> {
    if (!SHA256_HEX.test(digest)) throw new Error(`${file} has no sha256 digest (${digest})`);
    if (await this.isCached(digest)) return this.cachePath(digest);
    const pending = this.downloads.get(digest) ?? this.download(file, digest);
    this.downloads.set(digest, pending);
    try {
      return await pending;
    } finally {
      this.downloads.delete(digest);
    }
  }

  private async indexForFetch(fresh: boolean): Promise<HelmIndex> {
    const cached = this.cachedIndex;
    if (!fresh && cached && Date.now() - cached.readAt < INDEX_CACHE_MS) return cached.index;
    const index = await this.readIndex();
    this.cachedIndex = { index, readAt: Date.now() };
    return index;
  }

  private async download(file: string, digest: string): Promise<string> {
    const stored = await this.objects.get(file);
    if (!stored) throw new Error(`${file} is missing from the repository`);
    const actual = sha256(stored.bytes);
    if (actual !== digest) {
      throw new Error(
        `${file} in the repository has digest ${actual}, not the published ${digest}`,
      );
    }
    await mkdir(this.cacheDir, { recursive: true, mode: 0o700 });
    const path = this.cachePath(digest);
    const partial = `${path}.${process.pid}.${Date.now()}.partial`;
    await writeFile(partial, stored.bytes, { mode: 0o600 });
    await rename(partial, path);
    return path;
  }

  /** With helm-s3's metadata, so `helm s3 reindex` needs a HEAD per package, not a download. */
  private async putPackage(file: string, chart: ChartPackage): Promise<void> {
    await this.objects.put(file, chart.bytes, {
      contentType: 'application/gzip',
      metadata: { sha256: chart.digest, ...helmS3ObjectMetadata(chart.metadata, chart.digest) },
    });
  }

  private async putProvenance(file: string, provenance: Buffer): Promise<void> {
    await this.objects.put(provenanceFile(file), provenance, {
      contentType: 'application/pgp-signature',
    });
  }

  /** The package and its `.prov`, unless the stored package is another one (digest differs). */
  private async deletePackage(file: string, digest: string): Promise<void> {
    const head = await this.objects.head(file);
    if (!head) return;
    const stored = head.sha256;
    if (stored && stored !== digest) return;
    await this.objects.delete(provenanceFile(file));
    await this.objects.delete(file);
  }

  private async exists(file: string): Promise<boolean> {
    return (await this.objects.head(file)) !== undefined;
  }

  /**
   * `relative` (default) resolves against whatever URL the repository was added with: HTTP(S) for
   * `helm repo add`, s3:// for the helm-s3 plugin. `http` and `s3` write absolute URLs.
   */
  private chartUrl(file: string): string {
    switch (this.config.HELM_REPOSITORY_CHART_URLS) {
      case 'http':
        return `${this.repositoryUrl()}/${file}`;
      case 's3':
        return `${this.bucketPath()}/${file}`;
      default:
        return file;
    }
  }

  private bucketPath(): string {
    return `s3://${[this.location.bucket, this.location.prefix].filter(Boolean).join('/')}`;
  }

  private cachePath(digest: string): string {
    return join(this.cacheDir, `${digest}.tgz`);
  }

  private async isCached(digest: string): Promise<boolean> {
    if (!SHA256_HEX.test(digest)) return false;
    return access(this.cachePath(digest)).then(
      () => true,
      () => false,
    );
  }
}

/** Where helm looks for a package's provenance: the package URL plus `.prov`. */
function provenanceFile(file: string): string {
  return `${file}.prov`;
}

/** An error's message; AggregateError (a refused connection tried on IPv4 and IPv6) has none of its own. */
function describe(error: unknown): string {
  if (error instanceof AggregateError && !error.message)
    return error.errors.map((inner: unknown) => describe(inner)).join('; ');
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
