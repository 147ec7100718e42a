import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { load } from 'js-yaml';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { HelmIndex } from '../../src/helm-repo/helm-index';
import { authHeader } from '../support/auth';
import { EventSubscriber } from '../support/amqp';
import { resetDatabase, startApi } from '../support/app';
import { goodChart, sha256 } from '../support/charts';
import { pushTestImage } from '../support/oci-image';
import { freshBucketPath } from '../integration/workload/support';
import { startWorker } from '../support/worker';
import { mergeOverrides } from '../support/config';

const REGISTRY = process.env.REGISTRY_HOST ?? '127.0.0.1:55000';
const COUNT = 20;

describe('20 concurrent onboardings of different charts', () => {
  const run = randomUUID().slice(0, 8);
  let api: NestExpressApplication;
  let worker: INestApplication;
  let work: string;
  let events: EventSubscriber;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nemo-workload-concurrency-'));
    const env = {
      helmRepository: { HELM_REPOSITORY_BUCKET: freshBucketPath() },
      registry: { REGISTRY_MIRROR_PATH: `mirror-${run}`, SOURCE_REGISTRY_TLS_VERIFY: 'false' },
      onboarding: { WORKER_CONCURRENCY: String(COUNT) },
    };
    events = await EventSubscriber.open();
    api = await startApi(mergeOverrides(env, { workDir: { WORK_DIR: join(work, 'api') } }));
    await resetDatabase(api);
    // Only now: the new relay publishes what an earlier file left in this worker's outbox until the
    // reset truncates it (and the truncate waits for a batch in flight), and ids start again at 1.
    await events.purge('upload');
    worker = await startWorker({
      config: mergeOverrides(env, { workDir: { WORK_DIR: join(work, 'worker') } }),
    });
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await events?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('accepts all 20 and index.yaml keeps 20 entries with their real digests', async () => {
    const http = request(api.getHttpServer());
    const auth = await authHeader();
    const pushed = await Promise.all(
      ['app', 'init', 'cron'].map((name) => pushTestImage(REGISTRY, `src-${run}/${name}`, '1.0')),
    );
    const images = {
      app: pushed[0].reference,
      init: pushed[1].reference,
      cron: pushed[2].reference,
    };
    const charts = Array.from({ length: COUNT }, (_, i) => {
      const name = `parallel-${i}`;
      return { name, bytes: goodChart(images, { name, version: '1.0.0' }) };
    });
    const ids = await Promise.all(
      charts.map(async ({ name }) => {
        const created = await http
          .post('/api/v1/workloads')
          .set('Authorization', auth)
          .send({ name, version: '1.0.0', type: 'chart' });
        expect(created.status).toBe(201);
        return created.body.id as number;
      }),
    );
    await Promise.all(
      ids.map((id, i) =>
        http
          .post(`/api/v1/workloads/${id}/upload`)
          .set('Authorization', auth)
          .attach('file', charts[i].bytes, 'c.tgz')
          .expect(202),
      ),
    );
    const received = await events.take('upload', COUNT * 2, 60000);
    const accepted = received
      .filter((event) => event.body.status === 'accepted')
      .map((event) => event.body.id);
    expect(new Set(accepted)).toEqual(new Set(ids));

    const index = load(
      (await http.get('/api/v1/helm-repo/index.yaml').set('Authorization', auth).expect(200)).text,
    ) as HelmIndex;
    expect(Object.keys(index.entries).sort()).toEqual(charts.map((chart) => chart.name).sort());
    for (const chart of charts)
      expect(index.entries[chart.name][0].digest).toBe(sha256(chart.bytes));
  });
});
