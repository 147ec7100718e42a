import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { load } from 'js-yaml';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ConfigSlices } from '../../../src/config/config-slices';
import { HelmIndex, IndexEntry } from '../../../src/helm-repo/helm-index';
import { ChartPackage, HelmRepoService } from '../../../src/helm-repo/helm-repo.service';
import { readChartArchive } from '../../../src/infra/chart-archive/chart-archive';
import { S3ChartStore } from '../../../src/infra/s3/s3-chart-store';
import { parseBucketPath } from '../../../src/infra/s3/s3.module';
import { packChart, sha256 } from '../../support/charts';
import { S3ConditionalFront } from '../../support/s3-conditional-front';
import {
  freshBucketPath,
  helmPull,
  openDataSource,
  run,
  s3cmd,
  s3For,
  testConfig,
} from '../workload/support';
import { ConfigOverrides, mergeOverrides } from '../../support/config';

const LIMITS = { maxEntries: 100, maxUnpackedBytes: 1024 * 1024 };

async function chartPackage(
  name: string,
  version = '1.0.0',
  description = 'a test chart',
): Promise<ChartPackage> {
  const bytes = packChart('good', { name, version, chart: { description } });
  const { metadata } = await readChartArchive(bytes, LIMITS);
  return { bytes, digest: sha256(bytes), metadata };
}

interface Repo {
  config: ConfigSlices;
  s3: S3Client;
  service: HelmRepoService;
}

/**
 * What `helm s3 reindex` (helm-s3 `internal/awss3/storage.go` Traverse, `cmd/helm-s3/reindex.go`)
 * does over a bucket path, with the same S3 calls: list the flat `.tgz` keys, HEAD each, take
 * `chart-metadata` + `chart-digest` when both are there, download and read the package otherwise;
 * entries get relative URLs (`--relative`). The real plugin is a Go binary from GitHub, not
 * installable here (neither npm nor Debian has it), so this follows its code.
 */
async function reindexLikeHelmS3(
  s3: S3Client,
  bucketPath: string,
): Promise<{ entries: Record<string, Array<Omit<IndexEntry, 'created'>>>; downloads: string[] }> {
  const { bucket, prefix } = parseBucketPath(bucketPath);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const entries: Record<string, Array<Omit<IndexEntry, 'created'>>> = {};
  const downloads: string[] = [];
  for (const object of listed.Contents ?? []) {
    const file = (object.Key ?? '').slice(prefix.length).replace(/^\//, '');
    if (file.includes('/') || !file.endsWith('.tgz')) continue;
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: object.Key }));
    const json = head.Metadata?.['chart-metadata'];
    const digest = head.Metadata?.['chart-digest'];
    let metadata: Record<string, unknown>;
    let hash: string;
    if (json && digest) {
      metadata = JSON.parse(json) as Record<string, unknown>;
      hash = digest;
    } else {
      downloads.push(file);
      const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
      const bytes = Buffer.from(await answer.Body!.transformToByteArray());
      metadata = (await readChartArchive(bytes, LIMITS)).metadata;
      hash = sha256(bytes);
    }
    const name = String(metadata.name);
    (entries[name] ??= []).push({
      ...metadata,
      name,
      version: String(metadata.version),
      urls: [file],
      digest: hash,
    });
  }
  return { entries, downloads };
}

describe('HelmRepoService against S3 (s3rver), helm and s3cmd', () => {
  let dataSource: DataSource;
  const opened: Repo[] = [];
  let work: string;

  async function repo(overrides: ConfigOverrides = {}): Promise<Repo> {
    const config = await testConfig(
      mergeOverrides(
        {
          helmRepository: { HELM_REPOSITORY_BUCKET: freshBucketPath() },
          workDir: { WORK_DIR: join(work, `w${opened.length}`) },
        },
        overrides,
      ),
    );
    const s3 = s3For(config);
    const service = repositoryOf(s3, config);
    const opened_ = { config, s3, service };
    opened.push(opened_);
    return opened_;
  }

  const repositoryOf = (s3: S3Client, config: ConfigSlices): HelmRepoService =>
    new HelmRepoService(
      new S3ChartStore(s3, config.helmRepository),
      dataSource,
      config.helmRepository,
      config.s3,
      config.workDir,
    );

  const indexOf = async ({ s3, config }: Repo): Promise<HelmIndex> => {
    const { bucket, prefix } = parseBucketPath(config.helmRepository.HELM_REPOSITORY_BUCKET);
    const answer = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/index.yaml` }),
    );
    return load(await answer.Body!.transformToString()) as HelmIndex;
  };

  beforeAll(async () => {
    dataSource = await openDataSource(await testConfig());
    work = await mkdtemp(join(tmpdir(), 'nemo-helm-repo-'));
  });

  afterAll(async () => {
    for (const { s3 } of opened) s3.destroy();
    await dataSource.destroy();
    await rm(work, { recursive: true, force: true });
  });

  it('initializes an empty index that helm accepts', async () => {
    const { service, config } = await repo();
    await service.onApplicationBootstrap();
    const text = await service.readIndexText();
    expect(load(text)).toMatchObject({ apiVersion: 'v1', entries: {} });
    const { bucket, prefix } = parseBucketPath(config.helmRepository.HELM_REPOSITORY_BUCKET);
    expect(await s3cmd('ls', `s3://${bucket}/${prefix}/`)).toContain(
      `s3://${bucket}/${prefix}/index.yaml`,
    );
    await helmPull(service.repositoryUrl(), 'x', '1.0.0', join(work, 'empty')).then(
      () => fail('nothing to pull'),
      (error: Error) => expect(error.message).toMatch(/not found|no chart/i),
    );
  });

  it('publishes a package that s3cmd lists and helm pulls, with the real digest', async () => {
    const target = await repo();
    const chart = await chartPackage('alpha', '1.2.3', 'yes');
    expect(await target.service.publish(chart)).toBe('published');
    const { bucket, prefix } = parseBucketPath(target.config.helmRepository.HELM_REPOSITORY_BUCKET);
    const listing = await s3cmd('ls', `s3://${bucket}/${prefix}/`);
    expect(listing).toContain(`s3://${bucket}/${prefix}/alpha-1.2.3.tgz`);
    const indexText = await s3cmd('get', `s3://${bucket}/${prefix}/index.yaml`, '-');
    const index = load(indexText) as HelmIndex;
    expect(index.entries.alpha[0]).toMatchObject({
      name: 'alpha',
      version: '1.2.3',
      apiVersion: 'v2',
      appVersion: '1.10',
      description: 'yes',
      digest: chart.digest,
      urls: ['alpha-1.2.3.tgz'],
    });
    expect(indexText).toMatch(/description: 'yes'/);
    const pulled = await helmPull(
      target.service.repositoryUrl(),
      'alpha',
      '1.2.3',
      join(work, 'pull-a'),
    );
    expect(sha256(await readFile(pulled))).toBe(chart.digest);
    const { stdout } = await run(process.env.HELM_BIN ?? 'helm', ['template', 'r', pulled]);
    expect(stdout).toContain('kind: CronJob');
  });

  it('writes helm-s3’s object metadata, so a reindex from HEADs rebuilds an index equal to ours', async () => {
    const target = await repo();
    const plain = await chartPackage('zeta', '1.0.0', 'a small chart');
    const richBytes = packChart('good', {
      name: 'zeta',
      version: '1.1.0',
      chart: {
        description: 'rich <metadata> & café',
        keywords: ['shop', 'edge'],
        maintainers: [{ url: 'https://nemo.example.eu', name: 'NEMO' }],
        annotations: { 'b.example/x': '2', 'a.example/y': '1' },
      },
    });
    const rich = {
      bytes: richBytes,
      digest: sha256(richBytes),
      metadata: (await readChartArchive(richBytes, LIMITS)).metadata,
    };
    // helm-s3 drops its metadata beyond 1900 bytes: reindex has to download this one.
    const large = await chartPackage('omega', '1.0.0', 'x'.repeat(1950));
    for (const chart of [plain, rich, large]) {
      expect(await target.service.publish(chart)).toBe('published');
    }
    const ours = await indexOf(target);
    const rebuilt = await reindexLikeHelmS3(
      target.s3,
      target.config.helmRepository.HELM_REPOSITORY_BUCKET,
    );
    expect(rebuilt.downloads).toEqual(['omega-1.0.0.tgz']);
    const withoutCreated = (entries: Record<string, IndexEntry[]>) =>
      Object.fromEntries(
        Object.entries(entries).map(([name, versions]) => [
          name,
          versions
            .map(({ created: _created, ...rest }) => rest)
            .sort((a, b) => a.version.localeCompare(b.version)),
        ]),
      );
    expect(withoutCreated(rebuilt.entries as Record<string, IndexEntry[]>)).toEqual(
      withoutCreated(ours.entries),
    );
    const { bucket, prefix } = parseBucketPath(target.config.helmRepository.HELM_REPOSITORY_BUCKET);
    const head = await target.s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}/zeta-1.1.0.tgz` }),
    );
    expect(head.Metadata?.['chart-digest']).toBe(rich.digest);
    expect(head.Metadata?.['chart-metadata']).toContain(
      '\\u003cmetadata\\u003e \\u0026 caf\\u00e9',
    );
  });

  it('is idempotent for the same package and refuses other bytes under a published version', async () => {
    const { service } = await repo();
    const chart = await chartPackage('beta');
    expect(await service.publish(chart)).toBe('published');
    expect(await service.publish(chart)).toBe('already-published');
    expect(await service.publish(await chartPackage('beta', '1.0.0', 'changed'))).toBe('conflict');
    const { items } = await service.listCharts();
    expect(items).toEqual([
      { name: 'beta', versions: [expect.objectContaining({ digest: chart.digest })] },
    ]);
  });

  it('writes absolute http or s3 URLs when configured, and helm pulls the http ones', async () => {
    const http = await repo({ helmRepository: { HELM_REPOSITORY_CHART_URLS: 'http' } });
    const chart = await chartPackage('gamma');
    await http.service.publish(chart);
    const url = (await indexOf(http)).entries.gamma[0].urls[0];
    expect(url).toBe(`${http.service.repositoryUrl()}/gamma-1.0.0.tgz`);
    const pulled = await helmPull(
      http.service.repositoryUrl(),
      'gamma',
      '1.0.0',
      join(work, 'pull-g'),
    );
    expect(sha256(await readFile(pulled))).toBe(chart.digest);

    const s3 = await repo({ helmRepository: { HELM_REPOSITORY_CHART_URLS: 's3' } });
    await s3.service.publish(chart);
    const { bucket, prefix } = parseBucketPath(s3.config.helmRepository.HELM_REPOSITORY_BUCKET);
    expect((await indexOf(s3)).entries.gamma[0].urls).toEqual([
      `s3://${bucket}/${prefix}/gamma-1.0.0.tgz`,
    ]);
  });

  it('fetches a chart once, caches it by digest and verifies the digest', async () => {
    const target = await repo();
    const chart = await chartPackage('delta');
    await target.service.publish(chart);
    const path = await target.service.fetchChart('delta', '1.0.0');
    expect(path).toContain(chart.digest);
    expect(sha256(await readFile(path))).toBe(chart.digest);
    expect(await target.service.fetchChart('delta', '1.0.0', chart.digest)).toBe(path);
    await expect(target.service.fetchChart('delta', '9.9.9')).rejects.toThrow(/does not exist/);

    const { bucket, prefix } = parseBucketPath(target.config.helmRepository.HELM_REPOSITORY_BUCKET);
    await target.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${prefix}/delta-1.0.0.tgz`,
        Body: Buffer.from('tampered'),
      }),
    );
    const freshConfig = await testConfig({
      helmRepository: {
        HELM_REPOSITORY_BUCKET: target.config.helmRepository.HELM_REPOSITORY_BUCKET,
      },
      workDir: { WORK_DIR: join(work, 'fresh') },
    });
    const fresh = repositoryOf(target.s3, freshConfig);
    await expect(fresh.fetchChart('delta', '1.0.0')).rejects.toThrow(/digest/);
  });

  it('fetches a published package by its digest without reading index.yaml', async () => {
    const target = await repo();
    const chart = await chartPackage('zeta');
    await target.service.publish(chart);
    const { bucket, prefix } = parseBucketPath(target.config.helmRepository.HELM_REPOSITORY_BUCKET);
    // What a reader of an index being rewritten on a store without atomic writes can get.
    await target.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/index.yaml`, Body: 'apiVersion' }),
    );
    const freshRepository = async (dir: string) =>
      repositoryOf(
        target.s3,
        await testConfig({
          helmRepository: {
            HELM_REPOSITORY_BUCKET: target.config.helmRepository.HELM_REPOSITORY_BUCKET,
          },
          workDir: { WORK_DIR: join(work, dir) },
        }),
      );
    const fresh = await freshRepository('by-digest');
    const path = await fresh.fetchChart('zeta', '1.0.0', chart.digest);
    expect(sha256(await readFile(path))).toBe(chart.digest);
    await expect((await freshRepository('by-index')).fetchChart('zeta', '1.0.0')).rejects.toThrow(
      /index.yaml is not a mapping/,
    );
    await expect(
      (await freshRepository('other-digest')).fetchChart('zeta', '1.0.0', 'a'.repeat(64)),
    ).rejects.toThrow(/has digest .*, not the published a{64}/);
    await expect(fresh.fetchChart('zeta', '1.0.0', '../../etc/passwd')).rejects.toThrow(
      /no sha256 digest/,
    );
  });

  it('unpublishes its own version only, and can be repeated', async () => {
    const target = await repo();
    const chart = await chartPackage('eps');
    await target.service.publish(chart);
    await target.service.publish(await chartPackage('eps', '2.0.0'));
    await target.service.unpublish('eps', '1.0.0', 'not-the-digest');
    expect((await indexOf(target)).entries.eps).toHaveLength(2);
    await target.service.unpublish('eps', '1.0.0', chart.digest);
    await target.service.unpublish('eps', '1.0.0', chart.digest);
    expect((await indexOf(target)).entries.eps.map((entry) => entry.version)).toEqual(['2.0.0']);
    const { bucket, prefix } = parseBucketPath(target.config.helmRepository.HELM_REPOSITORY_BUCKET);
    const listing = await s3cmd('ls', `s3://${bucket}/${prefix}/`);
    expect(listing).not.toContain('eps-1.0.0.tgz');
    expect(listing).toContain('eps-2.0.0.tgz');
  });

  describe('20 concurrent publishes keep 20 entries', () => {
    const publishTwenty = async (service: HelmRepoService): Promise<void> => {
      const charts = await Promise.all(
        Array.from({ length: 20 }, (_, i) => chartPackage(`chart-${i}`)),
      );
      const outcomes = await Promise.all(charts.map((chart) => service.publish(chart)));
      expect(outcomes).toEqual(Array(20).fill('published'));
    };

    it('lock path: advisory lock around read-modify-write, on an endpoint that ignores preconditions', async () => {
      const target = await repo({ helmRepository: { HELM_INDEX_WRITE_MODE: 'lock' } });
      await publishTwenty(target.service);
      expect(Object.keys((await indexOf(target)).entries)).toHaveLength(20);
    });

    it('conditional path: If-Match / If-None-Match retried on 412, through a front that honours them', async () => {
      const front = await S3ConditionalFront.start();
      try {
        const target = await repo({
          helmRepository: { HELM_INDEX_WRITE_MODE: 'conditional' },
          s3: { AWS_ENDPOINT: front.url },
        });
        await publishTwenty(target.service);
        expect(Object.keys((await indexOf(target)).entries)).toHaveLength(20);
        expect(front.stats.conditionalPuts).toBeGreaterThanOrEqual(20);
      } finally {
        await front.close();
      }
    });

    it('the front refuses a stale If-Match and an If-None-Match: * on an existing object', async () => {
      const front = await S3ConditionalFront.start();
      try {
        const target = await repo({ s3: { AWS_ENDPOINT: front.url } });
        const { bucket, prefix } = parseBucketPath(
          target.config.helmRepository.HELM_REPOSITORY_BUCKET,
        );
        const Key = `${prefix}/probe.txt`;
        await target.s3.send(
          new PutObjectCommand({ Bucket: bucket, Key, Body: 'one', IfNoneMatch: '*' }),
        );
        await expect(
          target.s3.send(
            new PutObjectCommand({ Bucket: bucket, Key, Body: 'two', IfNoneMatch: '*' }),
          ),
        ).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
        await expect(
          target.s3.send(
            new PutObjectCommand({ Bucket: bucket, Key, Body: 'two', IfMatch: '"stale"' }),
          ),
        ).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
      } finally {
        await front.close();
      }
    });
  });
});
