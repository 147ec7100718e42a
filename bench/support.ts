import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { NestFactory } from '@nestjs/core';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NestExpressApplication } from '@nestjs/platform-express';
import { ApiModule } from '../src/app.module';
import { DevTokenService } from '../src/auth/dev-token.service';
import { configureHttp } from '../src/common/http/configure-app';
import { createMigratedDatabase as createDatabase } from '../test/support/database';

export const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

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
