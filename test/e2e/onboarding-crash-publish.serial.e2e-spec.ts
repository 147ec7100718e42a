import { getQueueToken } from '@nestjs/bullmq';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import { load } from 'js-yaml';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { OutboxMessage } from '../../src/events/entities/outbox-message.entity';
import { ONBOARDING_QUEUE, onboardJobId } from '../../src/workload/jobs/onboarding.queue';
import { freshBucketPath } from '../integration/workload/support';
import { EventSubscriber } from '../support/amqp';
import { authHeader } from '../support/auth';
import { resetDatabase, startApi } from '../support/app';
import { deploymentChart, sha256 } from '../support/charts';
import { pushTestImage } from '../support/oci-image';
import { S3ConditionalFront } from '../support/s3-conditional-front';
import {
  killAll,
  requireBuild,
  ServiceProcess,
  startServiceProcess,
  waitUntil,
} from '../support/service-process';

const REGISTRY = process.env.REGISTRY_HOST ?? '127.0.0.1:55000';
const CHART = { name: 'crash-publish', version: '1.0.0' };

/**
 * The worker is SIGKILLed while its index.yaml PUT is in flight: the worker reaches S3 through a
 * front that holds that PUT, the worker dies, then the write lands. The next worker (BullMQ's
 * stalled-job recovery) finds its entry already there and finishes the document once.
 */
describe('Onboarding survives a worker killed during the index write (kill -9, built worker)', () => {
  const run = randomUUID().slice(0, 8);
  const bucket = freshBucketPath();
  const workers: ServiceProcess[] = [];
  let work: string;
  let front: S3ConditionalFront;
  let api: NestExpressApplication;
  let http: ReturnType<typeof request>;
  let events: EventSubscriber;
  let auth: string;
  let image: string;

  const logs = (): string =>
    workers
      .map((worker, i) => `--- worker ${i + 1} ---\n${worker.output().slice(-4000)}`)
      .join('\n');

  async function startWorker(): Promise<ServiceProcess> {
    const worker = await startServiceProcess('worker', {
      HELM_REPOSITORY_BUCKET: bucket,
      AWS_ENDPOINT: front.url,
      REGISTRY_MIRROR_PATH: `mirror-${run}`,
      SOURCE_REGISTRY_TLS_VERIFY: 'false',
      ONBOARDING_BACKOFF_MS: '100',
      ONBOARDING_LOCK_DURATION_MS: '2000',
      ONBOARDING_STALLED_INTERVAL_MS: '1000',
      WORK_DIR: join(work, `worker-${workers.length + 1}`),
    });
    workers.push(worker);
    return worker;
  }

  const document = async (id: number) =>
    (await http.get(`/api/v1/workloads/${id}`).set('Authorization', auth).expect(200)).body as {
      status: string;
      rejection_reason: string | null;
      onboarding: { step: string | null; images_done: number; images_total: number };
    };

  const indexEntries = async (): Promise<Array<{ version: string; digest: string }>> => {
    const index = await http
      .get('/api/v1/helm-repo/index.yaml')
      .set('Authorization', auth)
      .expect(200);
    const entries = (load(index.text) as { entries?: Record<string, unknown> }).entries ?? {};
    return (entries[CHART.name] as Array<{ version: string; digest: string }>) ?? [];
  };

  beforeAll(async () => {
    requireBuild();
    work = await mkdtemp(join(tmpdir(), 'nemo-crash-publish-'));
    image = (await pushTestImage(REGISTRY, `crash-publish-${run}/app`, '1.0')).reference;
    front = await S3ConditionalFront.start();
    events = await EventSubscriber.open();
    auth = await authHeader({ tenant: 'tenant-a', subject: 'alice' });
    // The api writes the empty index.yaml at start-up: the only index PUT left is the worker's.
    api = await startApi({
      helmRepository: { HELM_REPOSITORY_BUCKET: bucket },
      workDir: { WORK_DIR: join(work, 'api') },
    });
    await resetDatabase(api);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await events.purge('upload');
    http = request(api.getHttpServer());
  }, 60000);

  afterAll(async () => {
    await killAll(workers);
    await api?.close();
    await events?.close();
    await front?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('accepted once, the chart in index.yaml exactly once, one terminal upload event', async () => {
    const bytes = deploymentChart({ ...CHART, description: 'crash test', label: 'crash' }, [image]);
    const first = await startWorker();
    const held = front.holdNextPut('/index.yaml');
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

    let arrived = false;
    void held.arrived.then(() => (arrived = true));
    await waitUntil(
      "the worker's index.yaml PUT to reach S3",
      async () => (arrived ? true : undefined),
      30000,
      logs,
    );
    // Mirroring is done and the package stored; only the index write is outstanding.
    expect(await document(id)).toMatchObject({
      status: 'onboarding',
      onboarding: { step: 'publishing', images_done: 1, images_total: 1 },
    });
    expect(await indexEntries()).toEqual([]);

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    held.release();
    // The dead worker's write lands: the entry is there, the document is still onboarding.
    await waitUntil(
      'the held index write to land',
      async () => ((await indexEntries()).length > 0 ? true : undefined),
      10000,
    );
    expect((await document(id)).status).toBe('onboarding');

    await startWorker();
    const done = await waitUntil(
      'the document to leave onboarding',
      async () => {
        const body = await document(id);
        return body.status === 'onboarding' ? undefined : body;
      },
      30000,
      logs,
    );
    expect(done).toMatchObject({ status: 'accepted', rejection_reason: null });

    const entries = await indexEntries();
    expect(entries).toEqual([expect.objectContaining({ version: CHART.version })]);
    expect(entries[0].digest).toBe(sha256(bytes));

    const received = await events.take('upload', 2, 20000);
    expect(received.map((event) => (event.body as { status: string }).status)).toEqual([
      'onboarding',
      'accepted',
    ]);
    const outbox = await api
      .get(DataSource)
      .getRepository(OutboxMessage)
      .findBy({ routingKey: 'upload', aggregateId: String(id) });
    expect(outbox).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await events.depth('upload')).toBe(0);

    const queue = api.get<Queue>(getQueueToken(ONBOARDING_QUEUE));
    const [job] = await queue.getJobs(['completed']);
    expect(job?.id).toBe(onboardJobId({ documentId: id, uploadSeq: 1 }));
    expect(job?.stalledCounter).toBe(1);
  }, 90000);
});
