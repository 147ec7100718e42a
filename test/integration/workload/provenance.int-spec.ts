import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Principal } from '../../../src/auth/principal';
import { HelmRepoService, sha256 } from '../../../src/helm-repo/helm-repo.service';
import { parseBucketPath } from '../../../src/infra/s3/s3.module';
import { OnboardingService } from '../../../src/workload/jobs/onboarding.service';
import { WorkloadService } from '../../../src/workload/workload.service';
import { resetDatabase } from '../../support/app';
import { goodChart } from '../../support/charts';
import { pushTestImage } from '../../support/oci-image';
import { SigningKey } from '../../support/signing-key';
import { startWorker } from '../../support/worker';
import { freshBucketPath, run, s3cmd } from './support';
import { uploadForOnboarding } from '../../support/workload-upload';

const REGISTRY = process.env.REGISTRY_HOST ?? '127.0.0.1:55000';
const alice: Principal = { subject: 'alice', tenant: 'tenant-a', roles: new Set(['writer']) };
const context = { progress: async () => undefined, finalAttempt: false };

/**
 * Chart provenance end to end with the real tools: gpg makes throwaway keys, `helm package --sign`
 * signs the fixture chart, onboarding checks it with `helm verify` against CHART_KEYRING, and
 * `helm pull --verify` accepts what the repository then serves.
 */
describe('Chart provenance (gpg, helm package --sign, helm verify, helm pull --verify)', () => {
  const runId = randomUUID().slice(0, 8);
  let trusted: SigningKey;
  let stranger: SigningKey;
  let app: INestApplication;
  let work: string;
  let bucketPath: string;
  let workloads: WorkloadService;
  let onboarding: OnboardingService;
  let images: { app: string; init: string; cron: string };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nemo-provenance-'));
    [trusted, stranger] = await Promise.all([
      SigningKey.create(`NEMO Test Signer ${runId} <signer@nemo.test>`),
      SigningKey.create(`Somebody Else ${runId} <else@nowhere.test>`),
    ]);
    const pushed = await Promise.all(
      ['app', 'init', 'cron'].map((name) =>
        pushTestImage(REGISTRY, `prov-${runId}/${name}`, '1.0'),
      ),
    );
    images = { app: pushed[0].reference, init: pushed[1].reference, cron: pushed[2].reference };
    bucketPath = freshBucketPath();
    app = await startWorker({
      consuming: false,
      config: {
        workDir: { WORK_DIR: work },
        helmRepository: { HELM_REPOSITORY_BUCKET: bucketPath },
        registry: { REGISTRY_MIRROR_PATH: `mirror-${runId}`, SOURCE_REGISTRY_TLS_VERIFY: 'false' },
        onboarding: {
          ONBOARDING_SWEEP_INTERVAL_MS: '3600000',
          CHART_PROVENANCE: 'verify-if-present',
          CHART_KEYRING: trusted.pubring,
        },
      },
    });
    await resetDatabase(app);
    workloads = app.get(WorkloadService);
    onboarding = app.get(OnboardingService);
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all([trusted?.remove(), stranger?.remove()]);
    await rm(work, { recursive: true, force: true });
  });

  async function onboard(name: string, package_: Buffer, provenance?: Buffer) {
    const document = await workloads.create(alice, { name, version: '1.0.0', type: 'chart' });
    const job = await uploadForOnboarding(app, alice, document.id, package_, provenance);
    const outcome = await onboarding.run(job, context);
    return { outcome, document: await workloads.get(alice, document.id) };
  }

  const signedChart = (name: string, key = trusted) =>
    key.sign(goodChart(images, { name, version: '1.0.0' }), name);

  it('accepts a signed chart, shows its signer and key, and publishes the .prov for helm pull --verify', async () => {
    const name = `signed-${runId}`;
    const signed = await signedChart(name);
    const { outcome, document } = await onboard(name, signed.package, signed.provenance);
    expect(document.rejection_reason).toBeNull();
    expect(outcome).toBe('accepted');
    expect(document.provenance).toEqual({
      signer: trusted.uid,
      key_fingerprint: trusted.fingerprint,
    });
    expect(trusted.fingerprint).toMatch(/^[0-9A-F]{40}$/);

    const { bucket, prefix } = parseBucketPath(bucketPath);
    const listing = await s3cmd('ls', `s3://${bucket}/${prefix}/`);
    expect(listing).toContain(`${name}-1.0.0.tgz.prov`);

    const home = join(work, 'pull');
    const env = {
      ...process.env,
      HELM_CONFIG_HOME: `${home}/config`,
      HELM_CACHE_HOME: `${home}/cache`,
      HELM_DATA_HOME: `${home}/data`,
    };
    const helm = process.env.HELM_BIN ?? 'helm';
    await mkdir(`${home}/out`, { recursive: true });
    await mkdir(`${home}/other`, { recursive: true });
    await run(helm, ['repo', 'add', 'nemo', app.get(HelmRepoService).repositoryUrl()], { env });
    const pulled = await run(
      helm,
      [
        'pull',
        `nemo/${name}`,
        '--version',
        '1.0.0',
        '--verify',
        '--keyring',
        trusted.pubring,
        '-d',
        `${home}/out`,
      ],
      { env },
    );
    expect(pulled.stdout).toContain(`Signed by: ${trusted.uid}`);
    expect(sha256(await readFile(`${home}/out/${name}-1.0.0.tgz`))).toBe(sha256(signed.package));
    // The same pull with a keyring that does not hold the signer fails: --verify really checks.
    await expect(
      run(
        helm,
        [
          'pull',
          `nemo/${name}`,
          '--version',
          '1.0.0',
          '--verify',
          '--keyring',
          stranger.pubring,
          '-d',
          `${home}/other`,
        ],
        { env },
      ),
    ).rejects.toThrow(/unknown entity/);
  });

  it('rejects a tampered package: its sha256 is not the one signed', async () => {
    const name = `tampered-${runId}`;
    const signed = await signedChart(name);
    const tampered = goodChart(images, { name, version: '1.0.0', values: { replicaCount: 5 } });
    const { outcome, document } = await onboard(name, tampered, signed.provenance);
    expect(outcome).toBe('rejected');
    expect(document.rejection_reason).toMatch(
      /^chart provenance rejected: the package is not the one the signer signed: its sha256 differs/,
    );
    expect(document.provenance).toBeNull();
  });

  it('rejects a chart signed by a key outside CHART_KEYRING', async () => {
    const name = `stranger-${runId}`;
    const signed = await signedChart(name, stranger);
    const { outcome, document } = await onboard(name, signed.package, signed.provenance);
    expect(outcome).toBe('rejected');
    expect(document.rejection_reason).toMatch(
      /signed by a key that is not in the NEMO keyring \(CHART_KEYRING\).*unknown entity/,
    );
  });

  it('rejects a .prov whose signed text was altered', async () => {
    const name = `altered-${runId}`;
    const signed = await signedChart(name);
    const altered = Buffer.from(
      signed.provenance.toString().replace('description: A chart', 'description: B chart'),
    );
    const { outcome, document } = await onboard(name, signed.package, altered);
    expect(outcome).toBe('rejected');
    expect(document.rejection_reason).toMatch(/its signature does not verify/);
  });

  it('accepts an unsigned chart under verify-if-present, with no signer', async () => {
    const name = `unsigned-${runId}`;
    const { outcome, document } = await onboard(
      name,
      goodChart(images, { name, version: '1.0.0' }),
    );
    expect(outcome).toBe('accepted');
    expect(document.provenance).toBeNull();
  });
});
