import { S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { ConfigSlices } from '../../../src/config/config-slices';
import { dataSourceOptions } from '../../../src/database/data-source-options';
import { createS3Client } from '../../../src/infra/s3/s3.module';
import { ConfigOverrides, configWith, withTestAuth } from '../../support/config';

export const run = promisify(execFile);

/** The configuration an app of this jest worker would read, with `overrides` applied. */
export async function testConfig(overrides: ConfigOverrides = {}): Promise<ConfigSlices> {
  return configWith(await withTestAuth(overrides));
}

/** A fresh repository path in this worker's bucket, so test files never share an index. */
export function freshBucketPath(): string {
  const bucket = process.env.HELM_REPOSITORY_BUCKET ?? '';
  return `${bucket.replace(/\/charts$/, '')}/t-${randomUUID().slice(0, 8)}/charts`;
}

export async function openDataSource(config: ConfigSlices): Promise<DataSource> {
  return new DataSource(dataSourceOptions(config.database.DATABASE_URL, 30)).initialize();
}

export function s3For(config: ConfigSlices): S3Client {
  return createS3Client(config.s3, config.s3Credentials);
}

/** s3cmd against the test S3 endpoint, as an operator would run it. */
export async function s3cmd(...args: string[]): Promise<string> {
  const endpoint = new URL(process.env.AWS_ENDPOINT ?? '');
  const { stdout } = await run('s3cmd', [
    `--host=${endpoint.host}`,
    '--host-bucket=',
    '--no-ssl',
    `--access_key=${process.env.AWS_ACCESS_KEY_ID}`,
    `--secret_key=${process.env.AWS_SECRET_ACCESS_KEY}`,
    `--region=${process.env.AWS_DEFAULT_REGION ?? 'us-east-1'}`,
    '--config=/dev/null',
    ...args,
  ]);
  return stdout;
}

/**
 * `helm repo add <repoName> <repoUrl>` + `helm pull <repoName>/<chart>` with a private helm home;
 * returns the pulled file's path.
 */
export async function helmPull(
  repoUrl: string,
  chart: string,
  version: string,
  dir: string,
  repoName = 'nemo-test',
): Promise<string> {
  const helm = process.env.HELM_BIN ?? 'helm';
  const env = {
    ...process.env,
    HELM_CONFIG_HOME: `${dir}/config`,
    HELM_CACHE_HOME: `${dir}/cache`,
    HELM_DATA_HOME: `${dir}/data`,
  };
  await mkdir(`${dir}/out`, { recursive: true });
  await run(helm, ['repo', 'add', repoName, repoUrl], { env });
  await run(helm, ['pull', `${repoName}/${chart}`, '--version', version, '-d', `${dir}/out`], {
    env,
  });
  return `${dir}/out/${chart}-${version}.tgz`;
}
