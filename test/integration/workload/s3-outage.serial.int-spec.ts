import { getQueueToken } from '@nestjs/bullmq';
import { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Principal } from '../../../src/auth/principal';
import { HelmRepoService } from '../../../src/helm-repo/helm-repo.service';
import { ONBOARDING_QUEUE, onboardJobId } from '../../../src/workload/jobs/onboarding.queue';
import { WorkloadService } from '../../../src/workload/workload.service';
import { resetDatabase } from '../../support/app';
import { tgz } from '../../support/charts';
import { pushTestImage } from '../../support/oci-image';
import { eventually, service } from '../../support/services';
import { startWorker } from '../../support/worker';
import { ConfigOverrides } from '../../support/config';
import { freshBucketPath } from './support';
import { WorkloadDocument } from '../../../src/workload/entities/workload-document.entity';
import { uploadForOnboarding } from '../../support/workload-upload';

const REGISTRY = process.env.REGISTRY_HOST ?? '127.0.0.1:55000';
const alice: Principal = { subject: 'alice', tenant: 'tenant-a', roles: new Set(['writer']) };
/** s3rver starts in about a second; a loaded machine was seen taking far longer. */
const OUTAGE_TIMEOUT_MS = 120000;

/** Stops and starts the shared S3: runs alone, in the serial phase of scripts/test.sh. */
const s3 = (action: 'stop' | 'start'): Promise<void> => service('s3', action);

function chart(name: string, image: string): Buffer {
  const deployment =
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n' +
    '  selector:\n    matchLabels: { app: s3-outage }\n  template:\n    metadata:\n' +
    '      labels: { app: s3-outage }\n    spec:\n      containers:\n' +
    `        - name: app\n          image: ${JSON.stringify(image)}\n`;
  return tgz([
    {
      path: `${name}/Chart.yaml`,
      content: `apiVersion: v2\nname: ${name}\nversion: 1.0.0\ndescription: s3 outage\nicon: https://nemo.eu/icon.png\n`,
    },
    { path: `${name}/values.yaml`, content: '{}\n' },
    { path: `${name}/templates/deployment.yaml`, content: deployment },
  ]);
}

/**
 * The Helm repository's S3 stopped while charts onboard. Two worker apps share the queue and the
 * repository; each upload's job takes the attempts and backoff of the app that enqueued it: one
 * patient (S3 comes back within its attempts), one brief (S3 stays down past its attempts).
 */
describe('S3 unreachable during onboarding (real s3rver stopped and started)', () => {
  const run = randomUUID().slice(0, 8);
  const bucket = freshBucketPath();
  let work: string;
  let patient: INestApplication;
  let brief: INestApplication;
  let image: string;

  const settings = (attempts: number, backoffMs: number): ConfigOverrides => ({
    workDir: { WORK_DIR: work },
    helmRepository: { HELM_REPOSITORY_BUCKET: bucket },
    registry: { REGISTRY_MIRROR_PATH: `mirror-${run}`, SOURCE_REGISTRY_TLS_VERIFY: false },
    onboarding: {
      ONBOARDING_SWEEP_INTERVAL_MS: 3600000,
      ONBOARDING_ATTEMPTS: attempts,
      ONBOARDING_BACKOFF_MS: backoffMs,
    },
  });

  async function upload(app: INestApplication, name: string) {
    const workloads = app.get(WorkloadService);
    const document = await workloads.create(alice, { name, version: '1.0.0', type: 'chart' });
    return uploadForOnboarding(app, alice, document.id, chart(name, image));
  }

  /** The stored document: the test follows the onboarding step, not only the API's answer. */
  const documentOf = (id: number) =>
    patient.get(DataSource).getRepository(WorkloadDocument).findOneByOrFail({ id });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nemo-s3-outage-'));
    image = (await pushTestImage(REGISTRY, `s3-outage-${run}/app`, '1.0')).reference;
    // 400 ms doubling: attempt 2 after 0.4 s, attempt 8 after 25 s in all; ample for a restart.
    patient = await startWorker({ config: settings(10, 400) });
    brief = await startWorker({ config: settings(3, 100) });
    await resetDatabase(patient);
  });

  afterAll(async () => {
    await s3('start');
    await brief?.close();
    await patient?.close();
    if (work) await rm(work, { recursive: true, force: true });
  }, OUTAGE_TIMEOUT_MS);

  it(
    'retries with backoff: accepted once S3 is back, rejected naming the repository after the last attempt',
    async () => {
      const queue = patient.get<Queue>(getQueueToken(ONBOARDING_QUEUE));
      await s3('stop');
      const comesBack = await upload(patient, `back-${run}`);
      const staysDown = await upload(brief, `down-${run}`);

      // The brief job gives up after its 3 attempts (0.1 s, then 0.2 s apart) while S3 is down.
      await eventually(
        'the brief upload is rejected',
        async () => (await documentOf(staysDown.documentId)).status !== 'onboarding',
        30000,
      );
      const rejected = await documentOf(staysDown.documentId);
      expect(rejected.status).toBe('rejected');
      expect(rejected.rejectionReason).toContain('onboarding failed after 3 attempts');
      expect(rejected.rejectionReason).toContain(
        `could not publish to the NEMO Helm repository ${bucket}`,
      );
      expect(rejected.rejectionReason).toContain(process.env.AWS_ENDPOINT);
      const given = await queue.getJob(onboardJobId(staysDown));
      expect(given?.attemptsMade).toBeGreaterThanOrEqual(2);

      // The patient job failed at publishing at least twice and waits for its next attempt.
      await eventually(
        'the patient upload has failed twice at publishing',
        async () => ((await queue.getJob(onboardJobId(comesBack)))?.attemptsMade ?? 0) >= 2,
        30000,
      );
      expect(await documentOf(comesBack.documentId)).toMatchObject({
        status: 'onboarding',
        onboardingStep: 'publishing',
        rejectionReason: null,
      });

      await s3('start');
      await eventually(
        'the patient upload is accepted once S3 is back',
        async () => (await documentOf(comesBack.documentId)).status !== 'onboarding',
        60000,
      );
      expect(await documentOf(comesBack.documentId)).toMatchObject({
        status: 'accepted',
        rejectionReason: null,
      });
      const job = await queue.getJob(onboardJobId(comesBack));
      expect(await job?.getState()).toBe('completed');
      expect(job?.attemptsMade).toBeGreaterThanOrEqual(2);

      const index = await patient.get(HelmRepoService).readIndex();
      expect(index.entries[`back-${run}`]).toEqual([expect.objectContaining({ version: '1.0.0' })]);
      expect(index.entries[`down-${run}`]).toBeUndefined();

      // One terminal event each: accepted for one, rejected for the other.
      const statuses = async (id: number): Promise<string[]> => {
        const rows = (await patient
          .get(DataSource)
          .query(
            `SELECT body FROM outbox_message WHERE routing_key = 'upload' AND aggregate_id = $1 ORDER BY id`,
            [String(id)],
          )) as Array<{ body: string }>;
        return rows.map((row) => (JSON.parse(row.body) as { status: string }).status);
      };
      expect(await statuses(comesBack.documentId)).toEqual(['onboarding', 'accepted']);
      expect(await statuses(staysDown.documentId)).toEqual(['onboarding', 'rejected']);
    },
    OUTAGE_TIMEOUT_MS,
  );
});
