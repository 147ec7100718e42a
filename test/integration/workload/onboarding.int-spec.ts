import { getQueueToken } from '@nestjs/bullmq';
import { INestApplication } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Principal } from '../../../src/auth/principal';
import { HelmRepoService } from '../../../src/helm-repo/helm-repo.service';
import { WorkloadImageMirror } from '../../../src/workload/entities/workload-image-mirror.entity';
import { ONBOARDING_QUEUE, onboardJobId } from '../../../src/workload/jobs/onboarding.queue';
import {
  OnboardingContext,
  OnboardingService,
} from '../../../src/workload/jobs/onboarding.service';
import { OnboardingSweeper } from '../../../src/workload/jobs/onboarding.sweeper';
import { WorkloadService } from '../../../src/workload/workload.service';
import { resetDatabase } from '../../support/app';
import { goodChart, packChart } from '../../support/charts';
import { pushTestImage, registryDigest } from '../../support/oci-image';
import { startWorker } from '../../support/worker';
import { freshBucketPath } from './support';
import { WorkloadDocument } from '../../../src/workload/entities/workload-document.entity';
import { uploadForOnboarding } from '../../support/workload-upload';

const REGISTRY = process.env.REGISTRY_HOST ?? '127.0.0.1:55000';
const alice: Principal = { subject: 'alice', tenant: 'tenant-a', roles: new Set(['writer']) };

/**
 * The onboarding job's guarantees, driven directly (the worker's BullMQ consumer is stopped so the
 * test decides who runs what): duplicate runs, resumed runs, final failures, superseded uploads and
 * the sweep that re-queues interrupted onboardings.
 */
describe('Onboarding job: idempotent, resumable, swept', () => {
  const run = randomUUID().slice(0, 8);
  let app: INestApplication;
  let work: string;
  let workloads: WorkloadService;
  let onboarding: OnboardingService;
  let queue: Queue;
  let dataSource: DataSource;
  let images: { app: string; init: string; cron: string };
  const progress: unknown[] = [];
  const context = (finalAttempt = false): OnboardingContext => ({
    progress: async (value) => void progress.push(value),
    finalAttempt,
  });

  async function uploaded(name: string): Promise<{ documentId: number; uploadSeq: number }> {
    const document = await workloads.create(alice, { name, version: '1.0.0', type: 'chart' });
    return uploadForOnboarding(
      app,
      alice,
      document.id,
      goodChart(images, { name, version: '1.0.0' }),
    );
  }

  /** The stored document: these tests follow onboarding's internal steps, not only the API's answer. */
  const statusOf = (id: number) =>
    dataSource.getRepository(WorkloadDocument).findOneByOrFail({ id });

  const uploadEvents = async (id: number): Promise<string[]> => {
    const rows = (await dataSource.query(
      `SELECT body FROM outbox_message WHERE aggregate_type = 'workload_document' AND aggregate_id = $1 ORDER BY id`,
      [String(id)],
    )) as Array<{ body: string }>;
    return rows.map((row) => (JSON.parse(row.body) as { status: string }).status);
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nemo-onboarding-'));
    const pushed = await Promise.all(
      ['app', 'init', 'cron'].map((name) => pushTestImage(REGISTRY, `src-${run}/${name}`, '1.0')),
    );
    images = { app: pushed[0].reference, init: pushed[1].reference, cron: pushed[2].reference };
    app = await startWorker({
      consuming: false,
      config: {
        workDir: { WORK_DIR: work },
        helmRepository: { HELM_REPOSITORY_BUCKET: freshBucketPath() },
        registry: { REGISTRY_MIRROR_PATH: `mirror-${run}`, SOURCE_REGISTRY_TLS_VERIFY: 'false' },
        onboarding: {
          ONBOARDING_SWEEP_INTERVAL_MS: '3600000',
          ONBOARDING_ATTEMPTS: '2',
          ONBOARDING_BACKOFF_MS: '10',
        },
      },
    });
    dataSource = app.get(DataSource);
    await resetDatabase(app);
    workloads = app.get(WorkloadService);
    onboarding = app.get(OnboardingService);
    queue = app.get<Queue>(getQueueToken(ONBOARDING_QUEUE));
  });

  afterAll(async () => {
    await app?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('two runs of one upload at once (a stalled job picked up twice) accept it once', async () => {
    const job = await uploaded('twice');
    const outcomes = await Promise.all([
      onboarding.run(job, context()),
      onboarding.run(job, context()),
    ]);
    expect((await statusOf(job.documentId)).rejectionReason).toBeNull();
    expect(outcomes.sort()).toEqual(['accepted', 'superseded']);
    expect(await uploadEvents(job.documentId)).toEqual(['onboarding', 'accepted']);
    expect(
      await dataSource.getRepository(WorkloadImageMirror).countBy({ documentId: job.documentId }),
    ).toBe(3);
    const index = await app.get(HelmRepoService).readIndex();
    expect(index.entries.twice).toHaveLength(1);
    expect(progress).toContainEqual(
      expect.objectContaining({ step: 'mirroring', images_total: 3 }),
    );
  });

  it('resumes after a failed attempt: the retry finds the images mirrored and finishes', async () => {
    const job = await uploaded('resumed');
    const helmRepo = app.get(HelmRepoService);
    const publish = jest.spyOn(helmRepo, 'publish').mockRejectedValueOnce(new Error('S3 is down'));
    await expect(onboarding.run(job, context())).rejects.toThrow('S3 is down');
    expect(await statusOf(job.documentId)).toMatchObject({
      status: 'onboarding',
      onboardingStep: 'publishing',
      imagesDone: 3,
    });
    expect(await onboarding.run(job, context())).toBe('accepted');
    publish.mockRestore();
    const mirrors = await dataSource
      .getRepository(WorkloadImageMirror)
      .findBy({ documentId: job.documentId });
    expect(mirrors.map((mirror) => mirror.copied)).toEqual([false, false, false]);
    expect(await uploadEvents(job.documentId)).toEqual(['onboarding', 'accepted']);
  });

  it('records the last attempt\u2019s failure as a rejection with the reason', async () => {
    const job = await uploaded('given-up');
    const publish = jest
      .spyOn(app.get(HelmRepoService), 'publish')
      .mockRejectedValue(new Error('S3 is down'));
    expect(await onboarding.run(job, context(true))).toBe('rejected');
    publish.mockRestore();
    expect(await statusOf(job.documentId)).toMatchObject({
      status: 'rejected',
      rejectionReason: 'onboarding failed after 2 attempts: S3 is down',
    });
    expect(await uploadEvents(job.documentId)).toEqual(['onboarding', 'rejected']);
  });

  it('copies nothing for a chart helm lint refuses, though its render was checked meanwhile', async () => {
    const fresh = await pushTestImage(REGISTRY, `src-${run}/fresh`, '1.0');
    const document = await workloads.create(alice, {
      name: 'lint-fails',
      version: '1.0.0',
      type: 'chart',
    });
    const bytes = packChart('good', {
      name: 'lint-fails',
      version: '1.0.0',
      chart: { icon: 'not a url' },
      values: { images: { ...images, app: fresh.reference } },
    });
    const job = await uploadForOnboarding(app, alice, document.id, bytes);
    const outcome = await onboarding.run(job, context());
    expect(outcome).toBe('rejected');
    expect((await statusOf(document.id)).rejectionReason).toMatch(
      /^helm lint failed:\n.*invalid icon URL/s,
    );
    expect(
      await registryDigest(
        `${REGISTRY}/mirror-${run}/${REGISTRY.replace(':', '-')}/src-${run}/fresh:1.0`,
      ),
    ).toBeNull();
  });

  it('stops early for an upload that a newer one replaced', async () => {
    const job = await uploaded('replaced');
    expect(await onboarding.run({ ...job, uploadSeq: job.uploadSeq - 1 }, context())).toBe(
      'superseded',
    );
    expect((await statusOf(job.documentId)).status).toBe('onboarding');
    expect(await onboarding.run({ documentId: 999999, uploadSeq: 1 }, context())).toBe(
      'superseded',
    );
  });

  it('the sweep re-queues an onboarding whose job vanished, exactly once', async () => {
    const job = await uploaded('swept');
    const id = onboardJobId(job);
    await (await queue.getJob(id))?.remove();
    expect(await queue.getJob(id)).toBeUndefined();
    const sweeper = app.get(OnboardingSweeper);
    expect(await sweeper.sweep()).toBeGreaterThanOrEqual(1);
    expect(await (await queue.getJob(id))?.getState()).toBe('waiting');
    const before = await queue.getJobCounts('waiting');
    await sweeper.sweep();
    expect(await queue.getJobCounts('waiting')).toEqual(before);
  });

  it('the sweep rejects an onboarding whose job failed for good (e.g. stalled too often)', async () => {
    const job = await uploaded('poison');
    const failing = new Worker(
      ONBOARDING_QUEUE,
      async () => {
        throw new Error('job stalled more than allowable limit');
      },
      { connection: queue.opts.connection, prefix: queue.opts.prefix },
    );
    try {
      await new Promise<void>((resolve) => {
        failing.on('failed', (failed) => {
          if (
            failed?.id === onboardJobId(job) &&
            failed.attemptsMade >= (failed.opts.attempts ?? 1)
          )
            resolve();
        });
      });
    } finally {
      await failing.close();
    }
    expect(await app.get(OnboardingSweeper).sweep()).toBeGreaterThanOrEqual(1);
    expect(await statusOf(job.documentId)).toMatchObject({
      status: 'rejected',
      rejectionReason: 'onboarding failed: job stalled more than allowable limit',
    });
    expect(await uploadEvents(job.documentId)).toEqual(['onboarding', 'rejected']);
  });
});
