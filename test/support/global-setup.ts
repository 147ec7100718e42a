import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createMigratedDatabase } from './database';
import { baseUrls, MAX_SLICES, testNamespace, testSlice } from './slices';

const run = promisify(execFile);

/**
 * Once per `jest` run: migrate a template database, clone it for each worker, and create each
 * worker's vhost and bucket. Everything is recreated, so no state leaks from an earlier run.
 */
export default async function globalSetup(): Promise<void> {
  const base = baseUrls();
  await prepareDatabases(base.database);
  await Promise.all([prepareVhosts(), prepareBuckets()]);
}

async function withAdmin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function prepareDatabases(baseUrl: string): Promise<void> {
  const TEMPLATE = `nemo_test_${testNamespace()}_template`;
  await createMigratedDatabase(baseUrl, TEMPLATE);
  await withAdmin(baseUrl, async (client) => {
    for (let worker = 1; worker <= MAX_SLICES; worker++) {
      const { database } = testSlice(worker);
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${database} TEMPLATE ${TEMPLATE}`);
    }
  });
}

async function prepareVhosts(): Promise<void> {
  const ctl = process.env.NEMO_RABBITMQ_CTL;
  if (!ctl) throw new Error('NEMO_RABBITMQ_CTL is not set: run the tests with "npm test"');
  const user = decodeURIComponent(new URL(baseUrls().rabbitmq).username);
  const { stdout } = await run(ctl, ['ctl', 'list_vhosts', '--quiet', '--no-table-headers']);
  const existing = new Set(stdout.split('\n').map((line) => line.trim()));
  const missing = Array.from(
    { length: MAX_SLICES },
    (_, index) => testSlice(index + 1).vhost,
  ).filter((vhost) => !existing.has(vhost));
  await Promise.all(
    missing.map(async (vhost) => {
      await run(ctl, ['ctl', 'add_vhost', vhost]);
      await run(ctl, ['ctl', 'set_permissions', '-p', vhost, user, '.*', '.*', '.*']);
    }),
  );
}

async function prepareBuckets(): Promise<void> {
  const s3 = new S3Client({
    endpoint: process.env.AWS_ENDPOINT,
    region: process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
    },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  for (let worker = 1; worker <= MAX_SLICES; worker++) {
    await s3
      .send(new CreateBucketCommand({ Bucket: testSlice(worker).bucket }))
      .catch((error: { name?: string }) => {
        if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists')
          throw error;
      });
  }
  for (let worker = 1; worker <= MAX_SLICES; worker++)
    await emptyBucket(s3, testSlice(worker).bucket);
  s3.destroy();
}

/** Charts published by an earlier run would make re-runs see a half-filled repository. */
async function emptyBucket(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
    const keys = (listed.Contents ?? []).flatMap((object) =>
      object.Key ? [{ Key: object.Key }] : [],
    );
    if (keys.length === 0) return;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
}
