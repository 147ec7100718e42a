import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Principal } from '../../../src/auth/principal';
import { HelmCli } from '../../../src/infra/helm/helm.cli';
import { HELM } from '../../../src/infra/helm/helm.port';
import { RegistryHttpClient } from '../../../src/infra/registry/registry-http.client';
import { REGISTRY } from '../../../src/infra/registry/registry.port';
import { ChartValidation } from '../../../src/workload/entities/chart-validation.entity';
import { WorkloadImageMirror } from '../../../src/workload/entities/workload-image-mirror.entity';
import {
  OnboardingOutcome,
  OnboardingService,
} from '../../../src/workload/jobs/onboarding.service';
import { WorkloadService } from '../../../src/workload/workload.service';
import { resetDatabase } from '../../support/app';
import { goodChart, packChart, sha256 } from '../../support/charts';
import { dump } from 'js-yaml';
import { pushTestImage, registryDigest } from '../../support/oci-image';
import { startWorker } from '../../support/worker';
import { CountingHelm } from '../../fakes/helm';
import { NotingRegistry } from '../../fakes/registry';
import { ConfigOverrides } from '../../support/config';
import { freshBucketPath, testConfig } from './support';
import { uploadForOnboarding } from '../../support/workload-upload';

const LOCAL_REGISTRY = process.env.REGISTRY_HOST ?? '127.0.0.1:55000';

/** What happened, in order: helm renders ended, registry digest checks started. */
const events: string[] = [];

const principal = (tenant: string): Principal => ({
  subject: `${tenant}-user`,
  tenant,
  roles: new Set(['writer']),
});

/**
 * What onboarding again reuses. Passing `helm lint` + `helm template` verdicts are stored by package
 * digest and helm build and reused for identical bytes; anything else (changed bytes, random/clock
 * templates, refusals, another helm build) runs helm again. A new version's registry digest checks
 * start before helm is done, for the images earlier versions used. Onboardings are driven directly,
 * the BullMQ consumer stopped.
 */
describe('Onboarding again: stored chart validations, digest checks ahead', () => {
  const run = randomUUID().slice(0, 8);
  let app: INestApplication;
  let work: string;
  let helm: CountingHelm;
  let registry: RegistryHttpClient;
  let workloads: WorkloadService;
  let onboarding: OnboardingService;
  let dataSource: DataSource;
  let images: { app: string; init: string; cron: string };

  /** Uploads `bytes` to document `documentId` and onboards it; answers the outcome and helm calls. */
  async function onboard(
    tenant: string,
    documentId: number,
    bytes: Buffer,
  ): Promise<{ outcome: OnboardingOutcome; helmCalls: number }> {
    const job = await uploadForOnboarding(app, principal(tenant), documentId, bytes);
    const before = helm.calls.length;
    const outcome = await onboarding.run(job, {
      progress: async () => undefined,
      finalAttempt: false,
    });
    return { outcome, helmCalls: helm.calls.length - before };
  }

  /** Registers `name` `version` for `tenant` and onboards `bytes` as it. */
  async function register(
    tenant: string,
    name: string,
    bytes: Buffer,
    version = '1.0.0',
  ): Promise<{ outcome: OnboardingOutcome; helmCalls: number; documentId: number }> {
    const document = await workloads.create(principal(tenant), { name, version, type: 'chart' });
    return { ...(await onboard(tenant, document.id, bytes)), documentId: document.id };
  }

  const storedFor = (bytes: Buffer) =>
    dataSource.getRepository(ChartValidation).countBy({ packageDigest: sha256(bytes) });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nemo-validation-cache-'));
    const pushed = await Promise.all(
      ['app', 'init', 'cron'].map((name) =>
        pushTestImage(LOCAL_REGISTRY, `vc-${run}/${name}`, '1.0'),
      ),
    );
    images = { app: pushed[0].reference, init: pushed[1].reference, cron: pushed[2].reference };
    const env: ConfigOverrides = {
      workDir: { WORK_DIR: work },
      helmRepository: { HELM_REPOSITORY_BUCKET: freshBucketPath() },
      registry: { REGISTRY_MIRROR_PATH: `mirror-${run}`, SOURCE_REGISTRY_TLS_VERIFY: 'false' },
      onboarding: { ONBOARDING_SWEEP_INTERVAL_MS: '3600000' },
    };
    const config = await testConfig(env);
    helm = new CountingHelm(new HelmCli(config.helm, config.workDir), events);
    registry = new RegistryHttpClient(config.registry);
    app = await startWorker({
      config: env,
      consuming: false,
      overrides: [
        { token: HELM, value: helm },
        { token: REGISTRY, value: new NotingRegistry(registry, events) },
      ],
    });
    dataSource = app.get(DataSource);
    await resetDatabase(app);
    workloads = app.get(WorkloadService);
    onboarding = app.get(OnboardingService);
  });

  afterAll(async () => {
    await app?.close();
    registry?.onModuleDestroy();
    await rm(work, { recursive: true, force: true });
  });

  it('an identical package onboarded again starts no helm process and is accepted the same', async () => {
    const bytes = goodChart(images, { name: 'same-bytes', version: '1.0.0' });
    const first = await register('tenant-a', 'same-bytes', bytes);
    expect(first).toMatchObject({ outcome: 'accepted', helmCalls: 2 });
    expect(await storedFor(bytes)).toBe(1);

    const again = await register('tenant-b', 'same-bytes', bytes);
    expect(again).toMatchObject({ outcome: 'accepted', helmCalls: 0 });
    const mirrors = await dataSource
      .getRepository(WorkloadImageMirror)
      .findBy({ documentId: again.documentId });
    expect(mirrors.map((mirror) => mirror.source).sort()).toEqual(
      [images.app, images.cron, images.init].sort(),
    );
  });

  it('a changed package is validated again', async () => {
    const bytes = goodChart(images, { name: 'changes', version: '1.0.0' });
    expect(await register('tenant-a', 'changes', bytes)).toMatchObject({
      outcome: 'accepted',
      helmCalls: 2,
    });
    const changed = goodChart(images, {
      name: 'changes',
      version: '1.0.1',
      values: { replicas: 2 },
    });
    expect(await register('tenant-a', 'changes', changed, '1.0.1')).toMatchObject({
      outcome: 'accepted',
      helmCalls: 2,
    });
  });

  it('a verdict of another helm build is not reused', async () => {
    const bytes = goodChart(images, { name: 'other-build', version: '1.0.0' });
    expect((await register('tenant-a', 'other-build', bytes)).helmCalls).toBe(2);
    await dataSource.query(
      `UPDATE chart_validation SET helm_build = 'another' WHERE package_digest = $1`,
      [sha256(bytes)],
    );
    expect(await register('tenant-b', 'other-build', bytes)).toMatchObject({
      outcome: 'accepted',
      helmCalls: 2,
    });
  });

  it('a chart calling random or clock functions is validated every time and never stored', async () => {
    const bytes = goodChart(images, {
      name: 'random',
      version: '1.0.0',
      files: {
        'templates/secret.yaml':
          'apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}\nstringData:\n  password: {{ randAlphaNum 16 | quote }}\n',
      },
    });
    expect(await register('tenant-a', 'random', bytes)).toMatchObject({
      outcome: 'accepted',
      helmCalls: 2,
    });
    expect(await register('tenant-b', 'random', bytes)).toMatchObject({
      outcome: 'accepted',
      helmCalls: 2,
    });
    expect(await storedFor(bytes)).toBe(0);
  });

  it('a refused package is validated again on every upload, with a current reason', async () => {
    const bytes = packChart('good', {
      name: 'refused',
      version: '1.0.0',
      chart: { icon: 'not a url' },
      values: { images },
    });
    const { id } = await workloads.create(principal('tenant-a'), {
      name: 'refused',
      version: '1.0.0',
      type: 'chart',
    });
    const reasons: Array<string | null> = [];
    for (let upload = 0; upload < 2; upload++) {
      expect(await onboard('tenant-a', id, bytes)).toEqual({ outcome: 'rejected', helmCalls: 2 });
      reasons.push((await workloads.get(principal('tenant-a'), id)).rejection_reason);
    }
    expect(reasons[0]).toMatch(/^helm lint failed:\n.*invalid icon URL/s);
    expect(reasons[1]).toBe(reasons[0]);
    expect(await storedFor(bytes)).toBe(0);
  });

  it('checks the registry for the images of earlier versions while helm still renders', async () => {
    const first = await register(
      'tenant-a',
      'ahead',
      goodChart(images, { name: 'ahead', version: '1.0.0' }),
    );
    expect(first.outcome).toBe('accepted');
    const moved = await pushTestImage(LOCAL_REGISTRY, `vc-${run}/moved`, '1.0');
    const next = { ...images, cron: moved.reference };
    events.length = 0;
    const second = await register(
      'tenant-a',
      'ahead',
      goodChart(next, { name: 'ahead', version: '1.1.0' }),
      '1.1.0',
    );
    expect(second).toMatchObject({ outcome: 'accepted', helmCalls: 2 });
    const rendered = events.indexOf('template done');
    const noted = (prefix: RegExp, name: string) =>
      events.flatMap((event, at) =>
        prefix.test(event) && event.endsWith(`vc-${run}/${name}`) ? [at] : [],
      );
    const checksOf = (name: string) => noted(/^check /, name);
    // Source and NEMO registry once each, before the render was there: mirroring reused them.
    // So were the lookups of their three cosign companion tags: in the source only, which holds
    // none (the mirror is asked only about a companion the source has).
    for (const kept of ['app', 'init']) {
      expect(checksOf(kept)).toHaveLength(2);
      expect(Math.max(...checksOf(kept))).toBeLessThan(rendered);
      const companions = noted(/^companion sha256-[0-9a-f]{64}\.(sig|att|sbom) of /, kept);
      expect(companions).toHaveLength(3);
      expect(Math.max(...companions)).toBeLessThan(rendered);
    }
    // The image the new version no longer uses was checked for nothing; the new one after render.
    expect(checksOf('cron')).toHaveLength(2);
    expect(Math.min(...checksOf('moved'))).toBeGreaterThan(rendered);
    const mirrors = await dataSource
      .getRepository(WorkloadImageMirror)
      .findBy({ documentId: second.documentId });
    expect(mirrors.map((mirror) => [mirror.source, mirror.copied]).sort()).toEqual(
      [
        [images.app, false],
        [images.init, false],
        [moved.reference, true],
      ].sort(),
    );
  });

  describe('images declared only in artifacthub.io/images', () => {
    /** The chart with its three rendered images and `declared` named in its annotation only. */
    const declaring = (name: string, declared: string, chart: Record<string, unknown> = {}) =>
      goodChart(images, {
        name,
        version: '1.0.0',
        chart: {
          ...chart,
          annotations: { 'artifacthub.io/images': dump([{ name: 'extra', image: declared }]) },
        },
      });
    /** Onboards a new chart `name` declaring `image`, noting its events from the start. */
    const onboardDeclaring = (tenant: string, name: string, image: string, chart = {}) => {
      events.length = 0;
      return register(tenant, name, declaring(name, image, chart));
    };
    const mirrorOf = (repository: string) =>
      `${LOCAL_REGISTRY}/mirror-${run}/${LOCAL_REGISTRY.replace(':', '-')}/${repository}:1.0`;
    const at = (prefix: RegExp, repository: string) =>
      events.flatMap((event, index) =>
        prefix.test(event) && event.endsWith(repository) ? [index] : [],
      );

    it('are digest-checked while helm still renders, even on a first onboarding, and copied after lint', async () => {
      const extra = await pushTestImage(LOCAL_REGISTRY, `vc-${run}/declared`, '1.0');
      const first = await onboardDeclaring('tenant-b', 'declaring', extra.reference);
      expect(first.outcome).toBe('accepted');
      const rendered = events.indexOf('template done');
      // Source and NEMO registry, both asked before the render was there.
      const checks = at(/^check /, `vc-${run}/declared`);
      expect(checks).toHaveLength(2);
      expect(Math.max(...checks)).toBeLessThan(rendered);
      // The rendered images of a chart seen for the first time are checked only once it rendered.
      expect(Math.min(...at(/^check /, `vc-${run}/app`))).toBeGreaterThan(rendered);
      const mirrors = await dataSource
        .getRepository(WorkloadImageMirror)
        .findBy({ documentId: first.documentId });
      expect(mirrors.find((m) => m.source === extra.reference)).toMatchObject({ copied: true });
      expect(await registryDigest(mirrorOf(`vc-${run}/declared`))).toBe(extra.digest);

      // Mirrored already: the answers checked ahead are the ones used, nothing is copied again.
      const again = await onboardDeclaring('tenant-c', 'declaring-again', extra.reference);
      expect(again.outcome).toBe('accepted');
      expect(Math.max(...at(/^check /, `vc-${run}/declared`))).toBeLessThan(
        events.indexOf('template done'),
      );
      const kept = await dataSource
        .getRepository(WorkloadImageMirror)
        .findBy({ documentId: again.documentId });
      expect(kept.find((m) => m.source === extra.reference)).toMatchObject({ copied: false });
    });

    it('are checked ahead but never copied for a chart helm lint refuses', async () => {
      const extra = await pushTestImage(LOCAL_REGISTRY, `vc-${run}/declared-lint`, '1.0');
      const refused = await onboardDeclaring('tenant-b', 'declaring-lint', extra.reference, {
        icon: 'not a url',
      });
      expect(refused.outcome).toBe('rejected');
      expect(at(/^check /, `vc-${run}/declared-lint`)).toHaveLength(2);
      expect(await registryDigest(mirrorOf(`vc-${run}/declared-lint`))).toBeNull();
    });
  });
});
