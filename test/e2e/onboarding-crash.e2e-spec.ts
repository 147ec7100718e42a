import { getQueueToken } from '@nestjs/bullmq';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { load } from 'js-yaml';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { OutboxMessage } from '../../src/events/entities/outbox-message.entity';
import { UploadEvent } from '../../src/contract';
import { REDIS } from '../../src/infra/redis/redis.module';
import { ONBOARDING_QUEUE } from '../../src/workload/jobs/onboarding.queue';
import { freshBucketPath } from '../integration/workload/support';
import { EventSubscriber } from '../support/amqp';
import { authHeader } from '../support/auth';
import { resetDatabase, startApi } from '../support/app';
import { deploymentChart, sha256 } from '../support/charts';
import { pushTestImage, registryDigest } from '../support/oci-image';
import { RegistryGate, startRegistryGate } from '../support/registry-gate';
import {
  killAll,
  requireBuild,
  ServiceProcess,
  startServiceProcess,
  waitUntil,
} from '../support/service-process';
import { overridesOf } from '../support/config';

const REGISTRY = process.env.REGISTRY_HOST ?? '127.0.0.1:55000';
const IMAGES = 4;
/** Images from this index on wait at the gate: the first worker is stopped mid-mirroring. */
const HELD_FROM = 2;
const LOCK_DURATION_MS = 2000;
const CHART = { name: 'crash-chart', version: '1.0.0' };

interface WorkloadBody {
  status: string;
  onboarding: { step: string | null; images_done: number; images_total: number };
  images: Array<{ source: string; mirrored: string; digest: string; copied: boolean }>;
  rejection_reason: string | null;
}

describe('Onboarding survives a worker killed mid-job (kill -9 of the built worker process)', () => {
  const run = randomUUID().slice(0, 8);
  const env: Record<string, string> = {
    HELM_REPOSITORY_BUCKET: freshBucketPath(),
    REGISTRY_MIRROR_PATH: `mirror-${run}`,
    SOURCE_REGISTRY_TLS_VERIFY: 'false',
    MIRROR_PARALLELISM: '1',
    MIRROR_RETRY_BACKOFF_MS: '10',
    ONBOARDING_BACKOFF_MS: '100',
    ONBOARDING_LOCK_DURATION_MS: String(LOCK_DURATION_MS),
    ONBOARDING_STALLED_INTERVAL_MS: '1000',
    // The digest check of a held image waits at the gate: it must not time out into a skopeo copy.
    REGISTRY_HTTP_TIMEOUT_MS: '120000',
  };
  const workers: ServiceProcess[] = [];
  let work: string;
  let gate: RegistryGate;
  let api: NestExpressApplication;
  let http: ReturnType<typeof request>;
  let events: EventSubscriber;
  let auth: string;
  let pushed: Array<{ reference: string; digest: string }>;

  const logs = (): string =>
    workers
      .map((worker, i) => `--- worker ${i + 1} ---\n${worker.output().slice(-4000)}`)
      .join('\n');

  /** `node dist/src/main.js worker` with this test's slice and settings; resolves once started. */
  async function startWorkerProcess(): Promise<ServiceProcess> {
    const worker = await startServiceProcess('worker', {
      ...env,
      WORK_DIR: join(work, `worker-${workers.length + 1}`),
    });
    workers.push(worker);
    return worker;
  }

  const document = async (id: number): Promise<WorkloadBody> =>
    (await http.get(`/api/v1/workloads/${id}`).set('Authorization', auth).expect(200)).body;

  beforeAll(async () => {
    requireBuild();
    work = await mkdtemp(join(tmpdir(), 'nemo-onboarding-crash-'));
    pushed = await Promise.all(
      Array.from({ length: IMAGES }, (_, i) =>
        pushTestImage(REGISTRY, `crash-${run}/img-${i}`, '1.0'),
      ),
    );
    gate = await startRegistryGate(
      REGISTRY,
      Array.from({ length: IMAGES - HELD_FROM }, (_, i) => `crash-${run}/img-${HELD_FROM + i}`),
    );
    env.IMAGE_SOURCE_ALLOW_PRIVATE = gate.host;
    events = await EventSubscriber.open();
    auth = await authHeader({ tenant: 'tenant-a', subject: 'alice' });
    api = await startApi(overridesOf({ ...env, WORK_DIR: join(work, 'api') }));
    await resetDatabase(api);
    // After the reset: the relay starts with the api and may still publish an earlier file's rows.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await events.purge('upload');
    http = request(api.getHttpServer());
  }, 60000);

  afterAll(async () => {
    await killAll(workers);
    await api?.close();
    await events?.close();
    await gate?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a second worker finishes the job: accepted once, every image mirrored, one index entry', async () => {
    const images = pushed.map((image) => image.reference.replace(REGISTRY, gate.host));
    const bytes = deploymentChart({ ...CHART, description: 'crash test', label: 'crash' }, images);
    const queue = api.get<Queue>(getQueueToken(ONBOARDING_QUEUE));

    const first = await startWorkerProcess();
    const created = await http
      .post('/api/v1/workloads')
      .set('Authorization', auth)
      .send({ ...CHART, type: 'chart' })
      .expect(201);
    const id = created.body.id as number;
    await http
      .post(`/api/v1/workloads/${id}/upload`)
      .set('Authorization', auth)
      .attach('file', bytes, 'chart.tgz')
      .expect(202);

    // Mid-job: the first images are mirrored, the next one waits at the gate.
    const midway = await waitUntil(
      'onboarding progress in the mirroring step with some images done',
      async () => {
        const body = await document(id);
        const { step, images_done } = body.onboarding;
        if (body.status !== 'onboarding') throw new Error(`document ${body.status} too early`);
        return step === 'mirroring' && images_done === HELD_FROM && gate.waiting > 0
          ? body
          : undefined;
      },
      30000,
      logs,
    );
    expect(midway.onboarding.images_total).toBe(IMAGES);

    // The job's lock lives ONBOARDING_LOCK_DURATION_MS and its worker keeps renewing it.
    const [job] = await queue.getJobs(['active']);
    expect(job).toBeDefined();
    const redis = api.get<Redis>(REDIS);
    const lockKey = queue.toKey(`${job.id}:lock`);
    let lowest = Infinity;
    await waitUntil(
      'the first worker to renew the job lock',
      async () => {
        const ttl = await redis.pttl(lockKey);
        if (ttl <= 0) throw new Error(`the live worker lost the job lock (pttl ${ttl})\n${logs()}`);
        expect(ttl).toBeLessThanOrEqual(LOCK_DURATION_MS);
        const renewed = ttl > lowest;
        lowest = Math.min(lowest, ttl);
        return renewed ? true : undefined;
      },
      10000,
      logs,
    );

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    gate.open();
    const second = await startWorkerProcess();

    const done = await waitUntil(
      'the document to leave onboarding',
      async () => {
        const body = await document(id);
        return body.status === 'onboarding' ? undefined : body;
      },
      40000,
      logs,
    );
    expect(done).toMatchObject({
      status: 'accepted',
      rejection_reason: null,
      onboarding: { step: 'done', images_done: IMAGES, images_total: IMAGES },
    });

    // Every image in the registry; the second run found the first ones already mirrored.
    expect(done.images).toHaveLength(IMAGES);
    for (const [i, image] of pushed.entries()) {
      const mirror = done.images.find((item) => item.source === images[i]);
      expect(mirror).toMatchObject({ digest: image.digest, copied: i >= HELD_FROM });
      expect(await registryDigest(mirror?.mirrored ?? '')).toBe(image.digest);
    }

    // The chart is in the repository index exactly once, with the package's digest.
    const index = await http
      .get('/api/v1/helm-repo/index.yaml')
      .set('Authorization', auth)
      .expect(200);
    const entries = (load(index.text) as { entries: Record<string, Array<{ digest: string }>> })
      .entries[CHART.name];
    expect(entries).toEqual([expect.objectContaining({ version: CHART.version })]);
    expect(entries[0].digest).toBe(sha256(bytes));

    // Exactly onboarding then accepted: the outbox holds two events for the document, both sent.
    const expected = (status: UploadEvent['status']): UploadEvent => ({
      id,
      ...CHART,
      type: 'chart',
      status,
    });
    const received = await events.take('upload', 2, 20000);
    expect(received.map((event) => event.body)).toEqual([
      expected('onboarding'),
      expected('accepted'),
    ]);
    const outbox = await api
      .get(DataSource)
      .getRepository(OutboxMessage)
      .findBy({ routingKey: 'upload', aggregateId: String(id) });
    expect(outbox).toHaveLength(2);
    expect(outbox.every((message) => message.sentAt !== null)).toBe(true);
    expect(await events.depth('upload')).toBe(0);

    // BullMQ recovered the job once (the kill), never while its worker was alive.
    const finished = await queue.getJob(job.id ?? '');
    expect(await finished?.getState()).toBe('completed');
    expect(finished?.returnvalue).toBe('accepted');
    expect(finished?.stalledCounter).toBe(1);
    expect(second.output()).toMatch(/Onboarding job onboard:\d+:\d+ lost its worker/);

    // The worker started with autorun off still drains and exits cleanly.
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 300000);
});
