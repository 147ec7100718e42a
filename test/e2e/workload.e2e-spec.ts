import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { UploadEvent } from '../../src/contract';
import { WorkloadService } from '../../src/workload/workload.service';
import { authHeader } from '../support/auth';
import { EventSubscriber } from '../support/amqp';
import { resetDatabase, startApi } from '../support/app';
import { outboxSettled } from '../support/outbox';
import { goodChart, packChart, sha256, tgz } from '../support/charts';
import { pushTestImage, registryDigest } from '../support/oci-image';
import { freshBucketPath, helmPull, s3cmd } from '../integration/workload/support';
import { startWorker } from '../support/worker';
import { parseBucketPath } from '../../src/infra/s3/s3.module';
import { ConfigOverrides, mergeOverrides } from '../support/config';

const REGISTRY = process.env.REGISTRY_HOST ?? '127.0.0.1:55000';
const CHART_YAML = (name: string, version: string) =>
  `apiVersion: v2\nname: ${name}\nversion: ${version}\n`;

describe('Workload documents: REST, onboarding and the Helm repository (real services)', () => {
  const run = randomUUID().slice(0, 8);
  const bucketPath = freshBucketPath();
  const env: ConfigOverrides = {
    helmRepository: { HELM_REPOSITORY_BUCKET: bucketPath },
    registry: { REGISTRY_MIRROR_PATH: `mirror-${run}`, SOURCE_REGISTRY_TLS_VERIFY: 'false' },
    onboarding: {
      WORKLOAD_PACKAGE_MAX_BYTES: String(64 * 1024),
      CHART_MAX_UNPACKED_BYTES: String(1024 * 1024),
      ONBOARDING_BACKOFF_MS: '100',
    },
    mirror: { MIRROR_RETRY_BACKOFF_MS: '10' },
  };
  let api: NestExpressApplication;
  let worker: INestApplication;
  let http: ReturnType<typeof request>;
  let events: EventSubscriber;
  let work: string;
  let images: { app: string; init: string; cron: string };
  let digests: Record<string, string>;
  let tenantA: string;
  let tenantB: string;
  let admin: string;
  const blocked = new Set<number>();

  const create = (name: string, version = '1.0.0', auth = tenantA, extra: object = {}) =>
    http
      .post('/api/v1/workloads')
      .set('Authorization', auth)
      .send({ name, version, type: 'chart', ...extra });

  const upload = (id: number, bytes: Buffer, auth = tenantA) =>
    http
      .post(`/api/v1/workloads/${id}/upload`)
      .set('Authorization', auth)
      .attach('file', bytes, 'chart.tgz');

  const get = (id: number, auth = tenantA) =>
    http.get(`/api/v1/workloads/${id}`).set('Authorization', auth);

  async function settled(id: number, timeoutMs = 30000): Promise<request.Response> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await get(id).expect(200);
      if (['accepted', 'rejected'].includes(response.body.status)) return response;
      if (Date.now() > deadline) throw new Error(`document ${id} still ${response.body.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function onboard(
    name: string,
    bytes: Buffer,
    version = '1.0.0',
  ): Promise<request.Response> {
    const created = await create(name, version).expect(201);
    await upload(created.body.id, bytes).expect(202);
    return settled(created.body.id);
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nemo-workload-e2e-'));
    [tenantA, tenantB, admin] = await Promise.all([
      authHeader({ tenant: 'tenant-a', subject: 'alice' }),
      authHeader({ tenant: 'tenant-b', subject: 'bob' }),
      authHeader({ tenant: 'ops', roles: ['admin'] }),
    ]);
    const pushed = await Promise.all(
      ['app', 'init', 'cron'].map((name) => pushTestImage(REGISTRY, `src-${run}/${name}`, '1.0')),
    );
    images = { app: pushed[0].reference, init: pushed[1].reference, cron: pushed[2].reference };
    digests = Object.fromEntries(pushed.map((image) => [image.reference, image.digest]));
    events = await EventSubscriber.open();
    api = await startApi(mergeOverrides(env, { workDir: { WORK_DIR: join(work, 'api') } }));
    await resetDatabase(api);
    // After the reset: an earlier file's events left in this worker's outbox are published until then.
    await events.purge('upload');
    worker = await startWorker({
      config: mergeOverrides(env, { workDir: { WORK_DIR: join(work, 'worker') } }),
    });
    http = request(api.getHttpServer());
    api
      .get(WorkloadService)
      .registerDeletionBlocker(async (id) => (blocked.has(id) ? 2 : 0), 'live instance(s)');
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await events?.close();
    await rm(work, { recursive: true, force: true });
  });

  describe('registration', () => {
    it('creates a pending document owned by the caller', async () => {
      const response = await create('reg-demo', '0.5.5', tenantA, {
        ingress_support: true,
        description: 'x',
      }).expect(201);
      expect(response.body).toMatchObject({
        id: expect.any(Number),
        name: 'reg-demo',
        version: '0.5.5',
        type: 'chart',
        status: 'pending',
        ingress_support: true,
        description: 'x',
        owner: 'alice',
        tenant: 'tenant-a',
        rejection_reason: null,
        onboarding: { step: null, images_done: 0, images_total: 0, percent: 0 },
        package: null,
      });
    });

    it('refuses a duplicate (name, version) in the tenant, not in another tenant', async () => {
      const duplicate = await create('reg-demo', '0.5.5').expect(409);
      expect(duplicate.body.code).toBe('workload_exists');
      await create('reg-demo', '0.5.5', tenantB).expect(201);
    });

    it('names each invalid field', async () => {
      const response = await http
        .post('/api/v1/workloads')
        .set('Authorization', tenantA)
        .send({ name: 'Bad_Name', version: 'v1', type: 'kustomize' })
        .expect(400);
      const fields = new Set(response.body.errors.map((error: { field: string }) => error.field));
      expect(fields).toEqual(new Set(['name', 'version', 'type']));
      await create('ok', '1.0.0-rc.1+build.5').expect(201);
      await create('x'.repeat(64)).expect(400);
      await create('semver', '01.2.3').expect(400);
    });

    it('requires write permission', async () => {
      const reader = await authHeader({ roles: ['reader'] });
      await create('reader-try', '1.0.0', reader).expect(403);
      await http.get('/api/v1/workloads').expect(401);
    });
  });

  describe('upload and onboarding', () => {
    let acceptedId: number;

    it('onboards a good chart: accepted, images mirrored, chart in the repository, events sent', async () => {
      await events.purge('upload');
      const bytes = goodChart(images, { name: 'good-chart', version: '1.2.3' });
      const created = await create('good-chart', '1.2.3').expect(201);
      acceptedId = created.body.id;
      const accepted202 = await upload(acceptedId, bytes).expect(202);
      expect(accepted202.body).toMatchObject({
        status: 'onboarding',
        package: { digest: sha256(bytes), size: bytes.length },
      });
      const done = await settled(acceptedId);
      expect(done.body).toMatchObject({
        status: 'accepted',
        rejection_reason: null,
        onboarding: { step: 'done', images_done: 3, images_total: 3, percent: 100 },
      });
      expect(done.body.images).toHaveLength(3);
      for (const image of done.body.images as Array<{
        source: string;
        mirrored: string;
        digest: string;
      }>) {
        expect(
          image.mirrored.startsWith(
            `${REGISTRY}/mirror-${run}/${REGISTRY.replace(':', '-')}/src-${run}/`,
          ),
        ).toBe(true);
        expect(image.digest).toBe(digests[image.source]);
        expect(await registryDigest(image.mirrored)).toBe(digests[image.source]);
      }
      expect(new Set(done.body.images.map((image: { source: string }) => image.source))).toEqual(
        new Set(Object.values(images)),
      );

      const received = await events.take('upload', 2);
      const expected = (status: UploadEvent['status']): UploadEvent => ({
        id: acceptedId,
        name: 'good-chart',
        version: '1.2.3',
        type: 'chart',
        status,
      });
      expect(received.map((event) => event.body)).toEqual([
        expected('onboarding'),
        expected('accepted'),
      ]);
      expect(received[1].raw).toBe(JSON.stringify(expected('accepted')));
      expect(received[1].message.properties.contentType).toBe('application/json');

      const { bucket, prefix } = parseBucketPath(bucketPath);
      expect(await s3cmd('ls', `s3://${bucket}/${prefix}/`)).toContain('good-chart-1.2.3.tgz');
      const charts = await http
        .get('/api/v1/helm-repo/charts')
        .set('Authorization', tenantA)
        .expect(200);
      expect(charts.body.items).toContainEqual({
        name: 'good-chart',
        versions: [
          expect.objectContaining({ version: '1.2.3', digest: sha256(bytes), app_version: '1.10' }),
        ],
      });
      const index = await http
        .get('/api/v1/helm-repo/index.yaml')
        .set('Authorization', tenantA)
        .expect(200);
      expect(index.headers['content-type']).toMatch(/^text\/yaml/);
      expect(index.text).toContain(`digest: ${sha256(bytes)}`);
      expect(charts.body.repository_name).toBe('nemo');
      const pulled = await helmPull(
        charts.body.repository_url,
        'good-chart',
        '1.2.3',
        join(work, 'pull'),
        charts.body.repository_name,
      );
      expect(sha256(await readFile(pulled))).toBe(sha256(bytes));
    });

    it('refuses another upload once accepted', async () => {
      const response = await upload(
        acceptedId,
        goodChart(images, { name: 'good-chart', version: '1.2.3' }),
      ).expect(409);
      expect(response.body.code).toBe('workload_not_uploadable');
    });

    it('hands accepted documents to the instance module, and refuses others', async () => {
      const workloads = api.get(WorkloadService);
      const principal = {
        subject: 'alice',
        tenant: 'tenant-a',
        roles: new Set(['writer'] as const),
      };
      const instantiable = await workloads.findInstantiable(principal, acceptedId);
      expect(instantiable).toMatchObject({
        id: acceptedId,
        name: 'good-chart',
        version: '1.2.3',
        tenant: 'tenant-a',
      });
      expect(instantiable.imageMirrors).toHaveLength(3);
      const other = { subject: 'bob', tenant: 'tenant-b', roles: new Set(['writer'] as const) };
      await expect(workloads.findInstantiable(other, acceptedId)).rejects.toMatchObject({
        status: 404,
      });
      const pending = await create('not-yet').expect(201);
      await expect(workloads.findInstantiable(principal, pending.body.id)).rejects.toMatchObject({
        status: 409,
        code: 'workload_not_accepted',
      });
    });

    it.each([
      [
        'a name/version mismatch',
        'mismatch',
        () => goodChart(images, { name: 'mismatch', version: '9.9.9' }),
        /Chart.yaml names mismatch 9.9.9 but the workload document is mismatch 1.0.0/,
      ],
      [
        'helm lint errors',
        'lint-error',
        () => packChart('lint-error', { version: '1.0.0' }),
        /helm lint failed:\n.*\[ERROR\] Chart.yaml: invalid icon URL/s,
      ],
      [
        'a template that fails with default values',
        'template-error',
        () => packChart('template-error', { version: '1.0.0' }),
        /helm template failed with the default values:\n.*values.tag is required/s,
      ],
      [
        'a missing image',
        'missing-image',
        () =>
          goodChart(
            { ...images, cron: `${REGISTRY}/src-${run}/absent:1` },
            { name: 'missing-image', version: '1.0.0' },
          ),
        /image .*absent:1 cannot be read from its registry: .*manifest unknown/,
      ],
      [
        'a path traversal',
        'traversal',
        () =>
          tgz([
            { path: 'traversal/Chart.yaml', content: CHART_YAML('traversal', '1.0.0') },
            { path: 'traversal/../../etc/cron.d/x', content: 'x' },
          ]),
        /invalid chart package: .*leaves the chart folder/,
      ],
      [
        'an absolute path',
        'absolute',
        () => tgz([{ path: '/etc/passwd', content: 'x' }]),
        /invalid chart package: .*absolute path/,
      ],
      [
        'a symlink escape',
        'symlink',
        () =>
          tgz([
            { path: 'symlink/Chart.yaml', content: CHART_YAML('symlink', '1.0.0') },
            {
              path: 'symlink/templates/x.yaml',
              type: 'SymbolicLink',
              linkpath: '../../../../etc/passwd',
            },
          ]),
        /invalid chart package: the link .* points outside the chart/,
      ],
      [
        'a tar bomb',
        'bomb',
        () =>
          tgz([
            { path: 'bomb/Chart.yaml', content: CHART_YAML('bomb', '1.0.0') },
            { path: 'bomb/zeros', content: Buffer.alloc(8 * 1024 * 1024) },
          ]),
        /unpacks to more than 1048576 bytes/,
      ],
      [
        'a non-gzip file',
        'not-gzip',
        () => Buffer.from('PK\x03\x04 this is a zip, not a chart'),
        /not a gzip-compressed tar archive/,
      ],
    ])('rejects %s with a reason a person can act on', async (_, name, bytes, reason) => {
      const response = await onboard(name, bytes());
      expect(response.body.status).toBe('rejected');
      expect(response.body.rejection_reason).toMatch(reason);
      expect(response.body.onboarding.percent).toBeLessThan(100);
    });

    it('sends onboarding and rejected events for a rejection, then accepts a corrected re-upload', async () => {
      // Earlier tests' events may still be in the outbox: relayed first, they are purged too.
      await outboxSettled(api);
      await events.purge('upload');
      const created = await create('second-try', '2.0.0').expect(201);
      const id = created.body.id;
      await upload(id, packChart('lint-error', { name: 'second-try', version: '2.0.0' })).expect(
        202,
      );
      expect((await settled(id)).body.status).toBe('rejected');
      const fixed = goodChart(images, { name: 'second-try', version: '2.0.0' });
      await upload(id, fixed).expect(202);
      const done = await settled(id);
      expect(done.body).toMatchObject({
        status: 'accepted',
        rejection_reason: null,
        package: { digest: sha256(fixed) },
      });
      const statuses = (await events.take('upload', 4)).map((event) => event.body);
      expect(statuses).toEqual(
        ['onboarding', 'rejected', 'onboarding', 'accepted'].map((status) => ({
          id,
          name: 'second-try',
          version: '2.0.0',
          type: 'chart',
          status,
        })),
      );
    });

    it('answers 413 for a package over the limit and 400 without a file, changing nothing', async () => {
      const created = await create('too-big').expect(201);
      const big = await upload(created.body.id, randomBytes(100 * 1024)).expect(413);
      expect(big.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(big.body).toMatchObject({ status: 413, code: 'package_too_large' });
      const none = await http
        .post(`/api/v1/workloads/${created.body.id}/upload`)
        .set('Authorization', tenantA)
        .field('other', 'x')
        .expect(400);
      expect(none.body.errors).toEqual([{ field: 'file', reason: expect.any(String) }]);
      expect((await get(created.body.id).expect(200)).body.status).toBe('pending');
    });

    it('reads the multipart part "provenance": bounded, and never dropped silently', async () => {
      const created = await create('with-prov').expect(201);
      const attach = (provenance: Buffer) =>
        http
          .post(`/api/v1/workloads/${created.body.id}/upload`)
          .set('Authorization', tenantA)
          .attach(
            'file',
            goodChart(images, { name: 'with-prov', version: '1.0.0' }),
            'with-prov-1.0.0.tgz',
          )
          .attach('provenance', provenance, 'with-prov-1.0.0.tgz.prov');
      const empty = await attach(Buffer.alloc(0)).expect(400);
      expect(empty.body.errors).toEqual([{ field: 'provenance', reason: 'is empty' }]);
      // Every part is cut off at WORKLOAD_PACKAGE_MAX_BYTES (64 KiB here) while it streams in.
      const tooLarge = await attach(Buffer.alloc(64 * 1024 + 1, 'p')).expect(413);
      expect(tooLarge.body).toMatchObject({ code: 'package_too_large' });
      expect((await get(created.body.id).expect(200)).body.status).toBe('pending');
      // This worker has no CHART_KEYRING: a signed upload is refused rather than its .prov ignored.
      await attach(Buffer.from('-----BEGIN PGP SIGNED MESSAGE-----\n')).expect(202);
      const settledDoc = await settled(created.body.id);
      expect(settledDoc.body).toMatchObject({ status: 'rejected', provenance: null });
      expect(settledDoc.body.rejection_reason).toMatch(
        /no keyring of trusted signers \(CHART_KEYRING\)/,
      );
    });

    it('refuses uploads to another tenant\u2019s document (404)', async () => {
      await upload(acceptedId, goodChart(images), tenantB).expect(404);
    });
  });

  describe('listing', () => {
    it('pages, filters and sorts the tenant\u2019s documents', async () => {
      const all = await http
        .get('/api/v1/workloads?limit=100')
        .set('Authorization', tenantA)
        .expect(200);
      expect(all.body.meta).toMatchObject({ page: 1, limit: 100, total: all.body.items.length });
      expect(all.body.items.every((item: { tenant: string }) => item.tenant === 'tenant-a')).toBe(
        true,
      );

      const page = await http
        .get('/api/v1/workloads?limit=2&page=2&sort=name&order=asc')
        .set('Authorization', tenantA)
        .expect(200);
      const names = all.body.items.map((item: { name: string }) => item.name).sort();
      expect(page.body.items.map((item: { name: string }) => item.name)).toEqual(names.slice(2, 4));
      expect(page.body.meta).toMatchObject({
        page: 2,
        limit: 2,
        total: names.length,
        total_pages: Math.ceil(names.length / 2),
      });

      const rejected = await http
        .get('/api/v1/workloads?status=rejected&type=chart')
        .set('Authorization', tenantA)
        .expect(200);
      expect(rejected.body.items.length).toBeGreaterThanOrEqual(9);
      expect(
        rejected.body.items.every((item: { status: string }) => item.status === 'rejected'),
      ).toBe(true);

      const byName = await http
        .get('/api/v1/workloads?name=good-chart')
        .set('Authorization', tenantA)
        .expect(200);
      expect(byName.body.items.map((item: { version: string }) => item.version)).toEqual(['1.2.3']);

      const other = await http.get('/api/v1/workloads').set('Authorization', tenantB).expect(200);
      expect(other.body.items.map((item: { name: string }) => item.name)).toEqual(['reg-demo']);
      const everyone = await http
        .get('/api/v1/workloads?limit=100')
        .set('Authorization', admin)
        .expect(200);
      expect(everyone.body.meta.total).toBe(all.body.meta.total + 1);

      await http.get('/api/v1/workloads?sort=owner').set('Authorization', tenantA).expect(400);
      await http.get('/api/v1/workloads?status=done').set('Authorization', tenantA).expect(400);
      await get(1234567).expect(404);
    });
  });

  describe('deletion', () => {
    it('refuses while live instances use the document, then removes it and its chart', async () => {
      const done = await onboard(
        'to-delete',
        goodChart(images, { name: 'to-delete', version: '1.0.0' }),
      );
      const id = done.body.id;
      blocked.add(id);
      const refused = await http
        .delete(`/api/v1/workloads/${id}`)
        .set('Authorization', tenantA)
        .expect(409);
      expect(refused.body).toMatchObject({
        code: 'workload_in_use',
        detail: expect.stringContaining('2 live instance(s)'),
      });
      blocked.delete(id);
      await http.delete(`/api/v1/workloads/${id}`).set('Authorization', tenantB).expect(404);
      await http.delete(`/api/v1/workloads/${id}`).set('Authorization', tenantA).expect(204);
      await get(id).expect(404);
      await http.delete(`/api/v1/workloads/${id}`).set('Authorization', tenantA).expect(404);
      const index = await http
        .get('/api/v1/helm-repo/index.yaml')
        .set('Authorization', tenantA)
        .expect(200);
      expect(index.text).not.toContain('to-delete');
      const { bucket, prefix } = parseBucketPath(bucketPath);
      expect(await s3cmd('ls', `s3://${bucket}/${prefix}/`)).not.toContain('to-delete-1.0.0.tgz');
      const again = await onboard(
        'to-delete',
        goodChart(images, { name: 'to-delete', version: '1.0.0', chart: { description: 'v2' } }),
      );
      expect(again.body.status).toBe('accepted');
    });

    it('deletes pending and rejected documents', async () => {
      const pending = await create('delete-pending').expect(201);
      await http
        .delete(`/api/v1/workloads/${pending.body.id}`)
        .set('Authorization', tenantA)
        .expect(204);
    });
  });
});
