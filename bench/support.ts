import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { NestFactory } from '@nestjs/core';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NestExpressApplication } from '@nestjs/platform-express';
import { ApiModule } from '../src/app.module';
import { DevTokenService } from '../src/auth/dev-token.service';
import { configureHttp } from '../src/http/configure-app';
import { createMigratedDatabase as createDatabase } from '../test/support/database';

export { median, percentile } from './stats';

/**
 * A fresh, migrated database of the benchmark's own next to DATABASE_URL's (nothing of a
 * developer's is touched); returns its URL.
 */
export function createMigratedDatabase(name: string): Promise<string> {
  return createDatabase(process.env.DATABASE_URL ?? '', name);
}

export interface BenchApi {
  app: NestExpressApplication;
  /** Base URL of the routes, ending in /api/v1. */
  base: string;
  /** `Bearer <dev token>` (the benchmarks run the api with AUTH_MODE=dev). */
  authorization: string;
}

/** The api role as main.ts configures it, on an ephemeral loopback port. */
export async function startBenchApi(): Promise<BenchApi> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule, {
    bodyParser: false,
    logger: false,
  });
  configureHttp(app);
  await app.listen(0, '127.0.0.1');
  const token = app.get(DevTokenService).devToken ?? '';
  return {
    app,
    base: `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/api/v1`,
    authorization: `Bearer ${token}`,
  };
}

const runFile = promisify(execFile);

async function ensureVhost(ctl: string, vhost: string, user: string): Promise<void> {
  const { stdout } = await runFile(ctl, ['ctl', 'list_vhosts', '--quiet', '--no-table-headers']);
  if (!stdout.split('\n').includes(vhost)) await runFile(ctl, ['ctl', 'add_vhost', vhost]);
  await runFile(ctl, ['ctl', 'set_permissions', '-p', vhost, user, '.*', '.*', '.*']);
}

async function ensureBucket(bucket: string): Promise<void> {
  const s3 = new S3Client({
    endpoint: process.env.AWS_ENDPOINT,
    region: process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
    },
  });
  try {
    const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
    if (!Buckets.some((b) => b.Name === bucket))
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    s3.destroy();
  }
}

/**
 * The broker vhost, bucket, queue prefix and token file of one benchmark (`nemo-bench-<name>`),
 * as environment overrides: a benchmark never shares state with `npm run dev` or the tests.
 */
export async function benchServices(name: string): Promise<Record<string, string>> {
  const slug = `nemo-bench-${name}`;
  const rabbitmqUrl = new URL(process.env.RABBITMQ_URL ?? '');
  const ctl = process.env.NEMO_RABBITMQ_CTL;
  if (!ctl) throw new Error('NEMO_RABBITMQ_CTL is not set: source .local/env first');
  await ensureVhost(ctl, slug, decodeURIComponent(rabbitmqUrl.username));
  rabbitmqUrl.pathname = `/${slug}`;
  await ensureBucket(slug);
  return {
    RABBITMQ_URL: rabbitmqUrl.toString(),
    HELM_REPOSITORY_BUCKET: `s3://${slug}/charts`,
    QUEUE_PREFIX: slug,
    AUTH_DEV_TOKEN_FILE: join(tmpdir(), `${slug}-dev-token`),
  };
}

/**
 * A fresh database (`nemo_bench_<name>`) and the vhost, bucket and queue prefix of one benchmark,
 * with the api's settings for them: nothing of a developer's is touched.
 */
export async function prepareBenchServices(name: string): Promise<Record<string, string>> {
  return {
    DATABASE_URL: await createMigratedDatabase(`nemo_bench_${name}`),
    ...(await benchServices(name)),
    SOURCE_REGISTRY_TLS_VERIFY: 'false',
    AUTH_MODE: 'dev',
    LOG_LEVEL: 'silent',
    // One client hammering the API on purpose: the per-client rate limit is not what is measured.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_BURST: '1000000',
  };
}

/** One JSON call of the API; anything but 2xx throws with the answer. */
export async function call(
  api: BenchApi,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const response = await fetch(`${api.base}${path}`, {
    method,
    headers: { Authorization: api.authorization, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status >= 300)
    throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer;
}

/** Registers and uploads a chart package, then waits for the worker to accept it. */
export async function onboardChart(
  api: BenchApi,
  chartPath: string,
  name: string,
  version: string,
): Promise<number> {
  const created = await call(api, 'POST', '/workloads', {
    name,
    version,
    type: 'chart',
    ingress_support: true,
  });
  const form = new FormData();
  form.append('file', new Blob([await readFile(chartPath)]), `${name}-${version}.tgz`);
  const upload = await fetch(`${api.base}/workloads/${String(created.id)}/upload`, {
    method: 'POST',
    headers: { Authorization: api.authorization },
    body: form,
  });
  if (upload.status !== 202)
    throw new Error(`upload answered ${upload.status}: ${await upload.text()}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const document = await call(api, 'GET', `/workloads/${String(created.id)}`);
    if (document.status === 'accepted') return Number(created.id);
    if (document.status === 'rejected' || Date.now() > deadline) {
      throw new Error(`onboarding did not accept the chart: ${JSON.stringify(document)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
