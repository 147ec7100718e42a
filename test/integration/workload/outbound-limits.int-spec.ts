import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Principal } from '../../../src/auth/principal';
import { HelmRepoService } from '../../../src/helm-repo/helm-repo.service';
import { unreachableImage } from '../../../src/workload/jobs/image-mirror.service';
import { OnboardingService } from '../../../src/workload/jobs/onboarding.service';
import { WorkloadService } from '../../../src/workload/workload.service';
import { resetDatabase } from '../../support/app';
import { goodChart } from '../../support/charts';
import { pushTestImage, registryDigest } from '../../support/oci-image';
import { startWorker } from '../../support/worker';
import { freshBucketPath } from './support';
import { uploadForOnboarding } from '../../support/workload-upload';

const REGISTRY = process.env.REGISTRY_HOST ?? '127.0.0.1:55000';
const alice: Principal = { subject: 'alice', tenant: 'tenant-a', roles: new Set(['writer']) };

/**
 * What a chart can make the worker do beyond itself, through the whole onboarding: images on
 * internal addresses, more images than allowed, metadata that would bloat the shared index.yaml.
 */
describe('Onboarding bounds outbound connections and the shared index', () => {
  const run = randomUUID().slice(0, 8);
  let app: INestApplication;
  let work: string;
  let workloads: WorkloadService;
  let onboarding: OnboardingService;
  let helmRepo: HelmRepoService;
  let trap: Server;
  let trapConnections = 0;
  const trapSockets = new Set<Socket>();
  let pushed: { app: string; init: string; cron: string };

  async function onboard(name: string, bytes: Buffer) {
    const document = await workloads.create(alice, { name, version: '1.0.0', type: 'chart' });
    const job = await uploadForOnboarding(app, alice, document.id, bytes);
    const started = Date.now();
    const outcome = await onboarding.run(job, {
      progress: async () => undefined,
      finalAttempt: true,
    });
    const after = await workloads.get(alice, document.id);
    return { outcome, reason: after.rejection_reason, ms: Date.now() - started };
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nemo-outbound-'));
    trap = createServer((socket) => {
      trapConnections += 1;
      trapSockets.add(socket);
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const images = await Promise.all(
      ['app', 'init', 'cron'].map((name) => pushTestImage(REGISTRY, `out-${run}/${name}`, '1.0')),
    );
    pushed = { app: images[0].reference, init: images[1].reference, cron: images[2].reference };
    app = await startWorker({
      consuming: false,
      config: {
        workDir: { WORK_DIR: work },
        helmRepository: { HELM_REPOSITORY_BUCKET: freshBucketPath() },
        registry: { REGISTRY_MIRROR_PATH: `mirror-${run}`, SOURCE_REGISTRY_TLS_VERIFY: 'false' },
        onboarding: { ONBOARDING_SWEEP_INTERVAL_MS: '3600000' },
        mirror: { IMAGE_MAX_PER_CHART: '2' },
      },
    });
    await resetDatabase(app);
    workloads = app.get(WorkloadService);
    onboarding = app.get(OnboardingService);
    helmRepo = app.get(HelmRepoService);
  });

  afterAll(async () => {
    await app?.close();
    trapSockets.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => trap.close(() => resolve()));
    await rm(work, { recursive: true, force: true });
  });

  it('rejects images on internal addresses with the generic reason, connecting nowhere', async () => {
    const postgresPort = new URL(process.env.DATABASE_URL ?? 'postgres://x:5432').port || '5432';
    const trapPort = (trap.address() as AddressInfo).port;
    const images = [
      `127.0.0.1:${postgresPort}/db/app:1`,
      `127.0.0.1:${trapPort}/trap/app:1`,
      '169.254.169.254/latest:1',
    ];
    for (const [at, image] of images.entries()) {
      const name = `internal-${at}`;
      const result = await onboard(
        name,
        goodChart({ app: image, init: image, cron: image }, { name, version: '1.0.0' }),
      );
      expect(result).toMatchObject({ outcome: 'rejected', reason: unreachableImage(image) });
      expect(result.ms).toBeLessThan(15000);
    }
    expect(trapConnections).toBe(0);
  });

  it('rejects a chart with more images than IMAGE_MAX_PER_CHART, copying none', async () => {
    const result = await onboard(
      'many-images',
      goodChart(pushed, { name: 'many-images', version: '1.0.0' }),
    );
    expect(result).toMatchObject({
      outcome: 'rejected',
      reason: 'the chart uses 3 distinct container images; at most 2 are mirrored per chart',
    });
    expect(
      await registryDigest(
        `${REGISTRY}/mirror-${run}/${REGISTRY.replace(':', '-')}/out-${run}/app:1.0`,
      ),
    ).toBeNull();
  });

  it('rejects a 200 KB annotation naming the field; index.yaml stays small', async () => {
    const one = { app: pushed.app, init: pushed.app, cron: pushed.app };
    const before = Buffer.byteLength(await helmRepo.readIndexText());
    const result = await onboard(
      'big-annotation',
      goodChart(one, {
        name: 'big-annotation',
        version: '1.0.0',
        chart: { annotations: { 'example.com/notes': 'x'.repeat(200 * 1024) } },
      }),
    );
    expect(result).toMatchObject({
      outcome: 'rejected',
      reason:
        'Chart.yaml annotations["example.com/notes"] is 204800 bytes; at most 8192 bytes are allowed in the shared index.yaml',
    });
    expect(
      await onboard(
        'small-annotation',
        goodChart(one, {
          name: 'small-annotation',
          version: '1.0.0',
          chart: { annotations: { 'example.com/notes': 'fine' } },
        }),
      ),
    ).toMatchObject({ outcome: 'accepted' });
    const index = await helmRepo.readIndexText();
    expect(index).not.toContain('xxxxxxxx');
    expect(Buffer.byteLength(index) - before).toBeLessThan(4096);
  });
});
