import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CountingHelm, renderedWith, ScriptedHelm } from '../../../test/fakes/helm';
import {
  MemoryChartRepository,
  MemoryOnboardingStore,
  MemoryVerdicts,
} from '../../../test/fakes/onboarding';
import { MemoryRegistry } from '../../../test/fakes/registry';
import { MemorySkopeo } from '../../../test/fakes/skopeo';
import { localConfig } from '../../../test/support/config';
import { ChartProvenanceService } from '../provenance/chart-provenance.service';
import { goodChart, packChart } from '../../../test/support/charts';
import { ConfigSlices } from '../../config/config-slices';
import { HelmError } from '../../infra/helm/helm.port';
import { ChartValidator } from './chart-validator';
import { ImageMirrorService } from './image-mirror.service';
import { OnboardingContext, OnboardingService } from './onboarding.service';

const SOURCE = '127.0.0.1:5000';
const NEMO = '127.0.0.1:5001';
const later = <T>(ms: number, value: () => T): Promise<Awaited<T>> =>
  new Promise((resolve, reject) =>
    setTimeout(async () => {
      try {
        resolve(await value());
      } catch (error) {
        reject(error);
      }
    }, ms),
  );
const isCompanion = (reference: string): boolean => /\.(sig|att|sbom)$/.test(reference);
const lintRefusal = { ok: false, messages: '[ERROR] Chart.yaml: icon is not a url' };

/**
 * OnboardingService over hand-written fakes of its ports (helm, registry, skopeo, its rows, the
 * Helm repository), with the real validator and image mirroring: the rules of one attempt —
 * which failure is reported, what is never done for a refused chart, what a retry finds.
 */
describe('OnboardingService', () => {
  let work: string;
  let config: ConfigSlices;
  let helm: ScriptedHelm;
  let counting: CountingHelm;
  let registry: MemoryRegistry;
  let skopeo: MemorySkopeo;
  let store: MemoryOnboardingStore;
  let repository: MemoryChartRepository;
  let service: OnboardingService;
  let images: { app: string; init: string; cron: string };
  const context = (finalAttempt = false): OnboardingContext => ({
    progress: async () => undefined,
    finalAttempt,
  });

  function build(env: Record<string, string> = {}): void {
    config = localConfig({
      REGISTRY_HOST: NEMO,
      IMAGE_SOURCE_ALLOW_PRIVATE: SOURCE,
      WORK_DIR: work,
      HELM_BIN: join(work, 'helm'),
      MIRROR_RETRIES: '0',
      ONBOARDING_ATTEMPTS: '2',
      ...env,
    });
    helm = new ScriptedHelm();
    counting = new CountingHelm(helm);
    registry = new MemoryRegistry();
    skopeo = new MemorySkopeo(registry);
    store = new MemoryOnboardingStore();
    repository = new MemoryChartRepository();
    const validator = new ChartValidator(
      new MemoryVerdicts(),
      counting,
      config.onboarding,
      config.render,
      config.workDir,
    );
    const mirror = new ImageMirrorService(skopeo, registry, config.mirror, config.registry);
    // The fixture charts come without a .prov: the default policy lets them through unverified.
    const unsigned = { verify: () => Promise.reject(new Error('no .prov in these tests')) };
    const provenance = new ChartProvenanceService(unsigned, config.onboarding);
    service = new OnboardingService(
      store,
      validator,
      mirror,
      repository,
      config.onboarding,
      provenance,
      config.mirror,
      config.helmRepository,
    );
    images = {
      app: registry.push(`${SOURCE}/shop/app:1.0`).reference,
      init: registry.push(`${SOURCE}/shop/init:1.0`).reference,
      cron: registry.push(`${SOURCE}/shop/cron:1.0`).reference,
    };
    helm.templateAnswer = async () => renderedWith(Object.values(images));
  }

  /** A document onboarding `name` 1.0.0 with the good chart over `images`. */
  const upload = (name = 'shop', version = '1.0.0', bytes?: Buffer) =>
    store.upload({ name, version }, bytes ?? goodChart(images, { name, version }));

  const reason = (documentId: number) => store.documents.get(documentId)?.rejectionReason;
  const packageFilesGone = () => helm.chartPaths.every((path) => !existsSync(dirname(path)));

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'onboarding-unit-'));
    // A stand-in helm executable: its bytes are the build fingerprint of stored verdicts.
    await writeFile(join(work, 'helm'), 'fake helm build 1');
    await chmod(join(work, 'helm'), 0o755);
    build();
  });

  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('accepts a chart: every image copied, the chart published, one event, no package file left', async () => {
    const job = upload();
    expect(await service.run(job, context())).toBe('accepted');
    expect(skopeo.copied.sort()).toEqual(Object.values(images).sort());
    expect(store.mirrors.get(job.documentId)).toHaveLength(3);
    expect([...repository.entries.keys()]).toEqual(['shop 1.0.0']);
    expect(store.events).toEqual([{ id: job.documentId, status: 'accepted' }]);
    expect(store.progress.map((change) => change.onboardingStep).filter(Boolean)).toEqual([
      'validating',
      'linting',
      'mirroring',
      'publishing',
    ]);
    expect(packageFilesGone()).toBe(true);
  });

  describe('the failure reported when several fail', () => {
    it("lint's findings before the images' refusal, and nothing copied", async () => {
      build({ IMAGE_MAX_PER_CHART: '2' });
      helm.lintAnswer = () => later(30, () => lintRefusal);
      const job = upload();
      expect(await service.run(job, context())).toBe('rejected');
      expect(reason(job.documentId)).toMatch(/^helm lint failed:\n\[ERROR\] Chart.yaml: icon/);
      expect(skopeo.copied).toEqual([]);
      expect(packageFilesGone()).toBe(true);
    });

    it("lint's findings before the render's failure", async () => {
      helm.lintAnswer = () => later(30, () => lintRefusal);
      helm.templateAnswer = () => Promise.reject(new HelmError('template: boom'));
      const job = upload();
      expect(await service.run(job, context())).toBe('rejected');
      expect(reason(job.documentId)).toMatch(/^helm lint failed/);
      expect(packageFilesGone()).toBe(true);
    });

    it("the render's failure when lint passes", async () => {
      helm.lintAnswer = () => later(30, () => ({ ok: true, messages: '' }));
      helm.templateAnswer = () => Promise.reject(new HelmError('template: boom'));
      const job = upload();
      expect(await service.run(job, context())).toBe('rejected');
      expect(reason(job.documentId)).toBe(
        'helm template failed with the default values:\ntemplate: boom',
      );
      expect(packageFilesGone()).toBe(true);
    });

    it('a version published by another document before lint', async () => {
      const other = upload(
        'shop',
        '1.0.0',
        goodChart(images, { name: 'shop', version: '1.0.0', values: { replicas: 2 } }),
      );
      Object.assign(store.documents.get(other.documentId) ?? {}, {
        status: 'accepted',
        publishedDigest: 'other-bytes',
      });
      helm.lintAnswer = async () => lintRefusal;
      const job = upload();
      expect(await service.run(job, context())).toBe('rejected');
      expect(reason(job.documentId)).toMatch(/already holds shop 1.0.0 with different content/);
      expect(skopeo.copied).toEqual([]);
      expect(packageFilesGone()).toBe(true);
    });

    it("the archive's refusal before anything else, without a helm process", async () => {
      const job = upload('shop', '1.0.0', packChart('good', { name: 'other', version: '1.0.0' }));
      store.failNext('recordProgress', new Error('database down'));
      expect(await service.run(job, context())).toBe('rejected');
      expect(reason(job.documentId)).toMatch(/^Chart.yaml names other 1.0.0/);
      expect(counting.calls).toEqual([]);
    });

    it('an image refusal before a failed progress write', async () => {
      registry.manifests.delete(images.cron);
      registry.delayMs = 5;
      const job = upload();
      const progress = store.recordProgress.bind(store);
      store.recordProgress = async (target, change) => {
        if (change.imagesDone) throw new Error('database down');
        return progress(target, change);
      };
      expect(await service.run(job, context())).toBe('rejected');
      expect(reason(job.documentId)).toMatch(/image .*cron:1.0 cannot be read from its registry/);
    });

    it("publishing's failure before the progress write beside it; the attempt is retried", async () => {
      const job = upload();
      repository.before = () => Promise.reject(new Error('S3 is down'));
      const progress = store.recordProgress.bind(store);
      store.recordProgress = async (target, change) => {
        if (change.onboardingStep === 'publishing') throw new Error('database down');
        return progress(target, change);
      };
      await expect(service.run(job, context())).rejects.toThrow('S3 is down');
      expect(store.documents.get(job.documentId)?.status).toBe('onboarding');
      expect(store.events).toEqual([]);
    });
  });

  it('copies only once lint passed, though digests were checked meanwhile', async () => {
    const order: string[] = [];
    helm.lintAnswer = () =>
      later(40, () => (order.push('lint passed'), { ok: true, messages: '' }));
    const copy = skopeo.copy.bind(skopeo);
    skopeo.copy = (source, destination) => (order.push('copy'), copy(source, destination));
    const job = upload();
    expect(await service.run(job, context())).toBe('accepted');
    expect(registry.checks.length).toBeGreaterThanOrEqual(6);
    expect(order).toEqual(['lint passed', 'copy', 'copy', 'copy']);
  });

  describe('supersession', () => {
    it('a job of an older upload does nothing', async () => {
      const job = upload();
      expect(await service.run({ ...job, uploadSeq: 0 }, context())).toBe('superseded');
      expect(counting.calls).toEqual([]);
      expect(store.events).toEqual([]);
    });

    it('an upload replaced while it onboarded ends superseded, with no event', async () => {
      const job = upload();
      repository.before = async () => {
        Object.assign(store.documents.get(job.documentId) ?? {}, { uploadSeq: 2 });
      };
      expect(await service.run(job, context())).toBe('superseded');
      expect(store.events).toEqual([]);
    });

    it('a package no longer stored rejects the upload with a reason to act on', async () => {
      const job = upload();
      store.packages.length = 0;
      expect(await service.run(job, context())).toBe('superseded');
      expect(reason(job.documentId)).toBe(
        'the uploaded package is no longer stored; upload it again',
      );
      expect(store.events).toEqual([{ id: job.documentId, status: 'rejected' }]);
    });
  });

  describe('crash points: the next attempt finishes what the last began', () => {
    it('after a failed publish: nothing copied twice, one event', async () => {
      const job = upload();
      repository.before = () => Promise.reject(new Error('S3 is down'));
      await expect(service.run(job, context())).rejects.toThrow('S3 is down');
      expect(store.documents.get(job.documentId)).toMatchObject({
        onboardingStep: 'publishing',
        imagesDone: 3,
      });
      repository.before = async () => undefined;
      expect(await service.run(job, context())).toBe('accepted');
      expect(skopeo.copied).toHaveLength(3);
      expect(store.mirrors.get(job.documentId)?.map((image) => image.copied)).toEqual([
        false,
        false,
        false,
      ]);
      expect(store.events).toEqual([{ id: job.documentId, status: 'accepted' }]);
    });

    it('after a failed mirror record: the retry records every image', async () => {
      const job = upload();
      store.failNext('recordMirrors', new Error('database down'));
      await expect(service.run(job, context())).rejects.toThrow('database down');
      expect(await service.run(job, context())).toBe('accepted');
      expect(store.mirrors.get(job.documentId)).toHaveLength(3);
    });

    it('the final attempt records its failure as the rejection', async () => {
      const job = upload();
      repository.before = () => Promise.reject(new Error('S3 is down'));
      expect(await service.run(job, context(true))).toBe('rejected');
      expect(reason(job.documentId)).toBe('onboarding failed after 2 attempts: S3 is down');
    });
  });

  it('onboards identical bytes again without a helm process', async () => {
    const bytes = goodChart(images, { name: 'shop', version: '1.0.0' });
    expect(await service.run(upload('shop', '1.0.0', bytes), context())).toBe('accepted');
    expect(counting.calls.sort()).toEqual(['lint', 'template']);
    const again = store.upload({ name: 'shop', version: '1.0.0', tenant: 'tenant-b' }, bytes);
    expect(await service.run(again, context())).toBe('accepted');
    expect(counting.calls).toHaveLength(2);
  });

  it("checks the digests of an earlier version's images while helm still renders", async () => {
    expect(await service.run(upload('shop', '1.0.0'), context())).toBe('accepted');
    registry.checks.length = 0;
    let checksBeforeRender = -1;
    helm.templateAnswer = () =>
      later(40, () => {
        checksBeforeRender = registry.checks.length;
        return renderedWith(Object.values(images));
      });
    const next = upload('shop', '1.1.0');
    expect(await service.run(next, context())).toBe('accepted');
    // Source and NEMO registry for each of the three images, before the render was there.
    expect(checksBeforeRender).toBeGreaterThanOrEqual(6);
    expect(registry.checks.filter((check) => !isCompanion(check))).toHaveLength(6);
    expect(skopeo.copied).toHaveLength(3);
  });

  it("looks up an already-mirrored image's companion tags ahead and copies the missing ones after lint", async () => {
    expect(await service.run(upload('shop', '1.0.0'), context())).toBe('accepted');
    const digest = registry.manifests.get(images.app) ?? '';
    const signature = registry.push(`${SOURCE}/shop/app:${digest.replace(':', '-')}.sig`);
    registry.checks.length = 0;
    let companionChecksBeforeRender = -1;
    helm.templateAnswer = () =>
      later(40, () => {
        companionChecksBeforeRender = registry.checks.filter(isCompanion).length;
        return renderedWith(Object.values(images));
      });
    const next = upload('shop', '1.1.0');
    expect(await service.run(next, context())).toBe('accepted');
    // Three tags in the source for each of the three images, and the mirror asked about the one
    // companion the source holds, all while helm rendered.
    expect(companionChecksBeforeRender).toBe(10);
    expect(skopeo.copied.slice(3)).toEqual([signature.reference]);
    const recorded = store.mirrors.get(next.documentId) ?? [];
    expect(recorded.map((image) => [image.source, image.copied, image.companions])).toEqual(
      expect.arrayContaining([
        [images.app, false, ['sig']],
        [images.init, false, []],
      ]),
    );
  });

  it('mirrors the images Chart.yaml declares in artifacthub.io/images beside the rendered ones', async () => {
    const declared = registry.push(`${SOURCE}/shop/migrate:2.0`).reference;
    const annotations = { 'artifacthub.io/images': `- name: migrate\n  image: ${declared}\n` };
    const job = store.upload(
      { name: 'shop', version: '1.0.0' },
      goodChart(images, { name: 'shop', version: '1.0.0', chart: { annotations } }),
    );
    expect(await service.run(job, context())).toBe('accepted');
    expect(skopeo.copied.sort()).toEqual([...Object.values(images), declared].sort());
    expect(store.documents.get(job.documentId)?.imagesTotal).toBe(4);
  });

  it('checks the declared images while helm renders and copies them only once lint passed', async () => {
    const declared = registry.push(`${SOURCE}/shop/migrate:2.0`).reference;
    const annotations = { 'artifacthub.io/images': `- name: migrate\n  image: ${declared}\n` };
    let declaredChecksBeforeRender = -1;
    helm.templateAnswer = () =>
      later(40, () => {
        declaredChecksBeforeRender = registry.checks.filter((c) => c.includes('/migrate')).length;
        return renderedWith(Object.values(images));
      });
    helm.lintAnswer = () => later(80, () => lintRefusal);
    const job = store.upload(
      { name: 'shop', version: '1.0.0' },
      goodChart(images, { name: 'shop', version: '1.0.0', chart: { annotations } }),
    );
    expect(await service.run(job, context())).toBe('rejected');
    // source and NEMO registry asked before the render was there; nothing copied for a lint refusal
    expect(declaredChecksBeforeRender).toBe(2);
    expect(skopeo.copied).toEqual([]);
  });

  it('refuses a malformed artifacthub.io/images annotation before helm runs', async () => {
    const annotations = { 'artifacthub.io/images': '- nginx:1' };
    const job = store.upload(
      { name: 'shop', version: '1.0.0' },
      goodChart(images, { name: 'shop', version: '1.0.0', chart: { annotations } }),
    );
    expect(await service.run(job, context())).toBe('rejected');
    expect(reason(job.documentId)).toMatch(/artifacthub\.io\/images entry 0 must be a mapping/);
    expect(counting.calls).toHaveLength(0);
    expect(skopeo.copied).toHaveLength(0);
  });
});
