import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { dump } from 'js-yaml';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { KubernetesManifest } from '../../src/common/kubernetes-manifest';
import { RunEvent, SEED_RUN_MESSAGE } from '../../src/contract';
import {
  OnboardedWorkload,
  onboardShop,
  pushShopImages,
  resetOnboardingQueue,
} from '../integration/instance/onboarded-workload';
import { startWorker } from '../support/worker';
import { EventSubscriber } from '../support/amqp';
import { resetDatabase, startApi } from '../support/app';
import { authHeader } from '../support/auth';
import { eventSchemaErrors } from '../support/event-schema';

const DOMAIN = 'apps.nemo.test';
const VALUES_MAX_BYTES = 4096;
const PASSWORD_1 = 's3cr3t-one';
const PASSWORD_2 = 's3cr3t-two';

/** A Secret from values: the diff must show that its key changed, never the value. */
const SECRET_TEMPLATE = {
  'templates/secret.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-creds
  namespace: {{ .Release.Namespace }}
type: Opaque
data:
  password: {{ .Values.password | default "none" | b64enc | quote }}
`,
};

/** Only in version 2 of the shop chart: a chart upgrade adds it. */
const V2_TEMPLATE = {
  'templates/v2-only.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-v2
data:
  since: "2"
`,
};

/**
 * A chart whose output depends on what helm is told of the cluster, refusing clusters older than
 * 1.30: proof that a cluster profile reaches `helm template`.
 */
const capabilityFiles = (version: string) => ({
  'Chart.yaml': dump({
    apiVersion: 'v2',
    name: 'caps',
    version,
    type: 'application',
    kubeVersion: '>=1.30.0-0',
  }),
  'templates/capabilities.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-capabilities
data:
  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}
  serviceMonitors: {{ .Capabilities.APIVersions.Has "monitoring.coreos.com/v1/ServiceMonitor" | quote }}
  {{- if semverCompare ">=1.32-0" .Capabilities.KubeVersion.Version }}
  generation: "new"
  {{- else }}
  generation: "old"
  {{- end }}
`,
});

const cpuIntent = {
  user_label: 'DeliverComputingWorkload',
  intent_expectations: [
    {
      expectation_verb: 'ENSURE',
      expectation_object: { object_type: 'NEMO_WORKLOAD' },
      expectation_targets: [
        { target_name: 'cpuUsage', target_condition: 'IS_LESS_THAN', target_value_range: 20 },
      ],
    },
  ],
};

function find(manifests: KubernetesManifest[], kind: string, suffix = ''): KubernetesManifest {
  const found = manifests.find(
    (manifest) =>
      manifest.kind === kind &&
      String((manifest.metadata as { name?: string }).name ?? '').endsWith(suffix),
  );
  if (!found) throw new Error(`no ${kind} *${suffix} in ${JSON.stringify(manifests)}`);
  return found;
}

const replicasOf = (manifests: KubernetesManifest[]): number =>
  (find(manifests, 'Deployment').spec as { replicas: number }).replicas;
const configOf = (manifests: KubernetesManifest[], suffix: string): Record<string, string> =>
  find(manifests, 'ConfigMap', suffix).data as Record<string, string>;

describe('Instance revisions: upgrade, history, diff, rollback, dry-run, cluster profiles (real api, worker, helm)', () => {
  let app: NestExpressApplication;
  let worker: INestApplication;
  let http: ReturnType<typeof request>;
  let events: EventSubscriber;
  let dataSource: DataSource;
  let writer: string;
  let reader: string;
  let otherTenant: string;
  let orchestrator: string;
  let admin: string;
  let shopV1: OnboardedWorkload;
  let shopV2: OnboardedWorkload;
  let otherChart: OnboardedWorkload;
  let caps: OnboardedWorkload;

  beforeAll(async () => {
    const env = {
      registry: { SOURCE_REGISTRY_TLS_VERIFY: 'false' },
      ingress: { INGRESS_DOMAIN: DOMAIN },
      instance: { INSTANCE_VALUES_MAX_BYTES: String(VALUES_MAX_BYTES) },
    };
    app = await startApi(env);
    await resetDatabase(app);
    await resetOnboardingQueue(app);
    worker = await startWorker({ config: env });
    http = request(app.getHttpServer());
    dataSource = app.get(DataSource);
    writer = await authHeader({ tenant: 'tenant-a', subject: 'alice' });
    reader = await authHeader({ tenant: 'tenant-a', subject: 'rita', roles: ['reader'] });
    otherTenant = await authHeader({ tenant: 'tenant-b', subject: 'bob' });
    orchestrator = await authHeader({
      tenant: 'platform',
      subject: 'meta-orchestrator',
      roles: ['service'],
    });
    admin = await authHeader({ tenant: 'platform', subject: 'root', roles: ['admin'] });
    events = await EventSubscriber.open();
    await events.purge('run', 'delete', 'intent-notify');
    const images = await pushShopImages();
    const run = randomUUID().slice(0, 8);
    // One after another: the charts share their images, and concurrent copies of one image into
    // the same registry it comes from (only in this test bed) can fail as "unreachable".
    shopV1 = await onboardShop(http, writer, {
      version: `1.0.0-r${run}`,
      ingressSupport: true,
      images,
      files: SECRET_TEMPLATE,
    });
    shopV2 = await onboardShop(http, writer, {
      version: `2.0.0-r${run}`,
      ingressSupport: true,
      images,
      files: { ...SECRET_TEMPLATE, ...V2_TEMPLATE },
    });
    otherChart = await onboardShop(http, writer, {
      name: 'other-chart',
      ingressSupport: true,
      images,
    });
    caps = await onboardShop(http, writer, {
      name: 'caps',
      version: `1.0.0-r${run}`,
      ingressSupport: false,
      images,
      files: capabilityFiles(`1.0.0-r${run}`),
    });
  });

  afterAll(async () => {
    await events?.close();
    await worker?.close();
    await app?.close();
  });

  const create = (workloadId: number, body: Record<string, unknown>, query = '') =>
    http
      .post(`/api/v1/workloads/${workloadId}/instances${query}`)
      .set('Authorization', writer)
      .send(body);
  const patch = (
    instanceId: string,
    body: Record<string, unknown>,
    ifMatch?: string,
    query = '',
  ) => {
    const call = http
      .patch(`/api/v1/instances/${instanceId}${query}`)
      .set('Authorization', writer)
      .send(body);
    return ifMatch === undefined ? call : call.set('If-Match', ifMatch);
  };
  const rollback = (instanceId: string, revision: number, ifMatch?: string) => {
    const call = http
      .post(`/api/v1/instances/${instanceId}/rollback`)
      .set('Authorization', writer)
      .send({ revision });
    return ifMatch === undefined ? call : call.set('If-Match', ifMatch);
  };
  const get = (path: string, auth = writer) =>
    http.get(`/api/v1/instances/${path}`).set('Authorization', auth);
  const outboxCount = async (): Promise<number> => {
    const [{ count }] = (await dataSource.query(
      `SELECT count(*)::int AS count FROM outbox_message`,
    )) as Array<{ count: number }>;
    return count;
  };
  const putCluster = (name: string, body: Record<string, unknown>, auth = admin) =>
    http.put(`/api/v1/clusters/${name}`).set('Authorization', auth).send(body);

  describe('upgrade, history, diff and rollback of one instance', () => {
    let instanceId: string;
    let created: request.Response;
    const responses: Record<number, request.Response> = {};

    beforeAll(async () => {
      created = await create(shopV1.id, {
        release_name: 'web',
        namespace: 'edge',
        values: { replicaCount: 1, message: 'v1', password: PASSWORD_1 },
        ingress_enabled: true,
        intents: [cpuIntent],
      }).expect(201);
      instanceId = created.body.instance_id;
      responses[1] = created;
      await events.take('run', 1);
    });

    it('creates revision 1, the ETag of the instance', async () => {
      expect(created.body.revision).toBe(1);
      expect(created.headers.etag).toBe('"1"');
      const got = await get(instanceId).expect(200);
      expect(got.headers.etag).toBe('"1"');
      expect(got.body.revision).toBe(1);
    });

    it('PATCH merges the values (RFC 7396), renders revision 2 and publishes run with the revision', async () => {
      const upgraded = await patch(
        instanceId,
        { values: { replicaCount: 3, password: PASSWORD_2 } },
        '"1"',
      ).expect(200);
      responses[2] = upgraded;
      expect(upgraded.headers.etag).toBe('"2"');
      expect(upgraded.body).toMatchObject({
        instance_id: instanceId,
        id: created.body.id,
        revision: 2,
        status: 'rendered',
        release_name: 'web',
        namespace: 'edge',
        workload_document_id: shopV1.id,
        exposed_urls: created.body.exposed_urls,
      });
      expect(replicasOf(upgraded.body.manifests)).toBe(3);
      // Merged: the message given at creation stays.
      expect(configOf(upgraded.body.manifests, '-config').message).toBe('v1');
      expect(upgraded.body.intents).toEqual(created.body.intents);
      const [event] = await events.take('run', 1);
      const body = event.body as RunEvent;
      expect(Object.keys(body)).toEqual([...Object.keys(SEED_RUN_MESSAGE), 'revision']);
      expect(eventSchemaErrors('run', body)).toEqual([]);
      expect(body).toMatchObject({
        id: created.body.id,
        instance_id: instanceId,
        status: 'rendered',
        revision: 2,
      });
      expect(body.manifests).toEqual(upgraded.body.manifests);
      expect(body.intents).toEqual(created.body.intents);
    });

    it('412 for a stale If-Match, with nothing stored or published', async () => {
      const before = await outboxCount();
      const stale = await patch(instanceId, { values: { replicaCount: 9 } }, '"1"').expect(412);
      expect(stale.headers['content-type']).toContain('application/problem+json');
      expect(stale.body).toMatchObject({
        code: 'revision_mismatch',
        errors: [{ field: 'If-Match' }],
      });
      expect(await outboxCount()).toBe(before);
      expect((await get(instanceId).expect(200)).body.revision).toBe(2);
    });

    it('values_strategy replace makes the given values the whole values', async () => {
      const replaced = await patch(instanceId, {
        values: { message: 'replaced', password: PASSWORD_2 },
        values_strategy: 'replace',
      }).expect(200);
      responses[3] = replaced;
      expect(replaced.body.revision).toBe(3);
      // replicaCount is no longer given: the chart's default (1) applies again.
      expect(replicasOf(replaced.body.manifests)).toBe(1);
      expect(configOf(replaced.body.manifests, '-config').message).toBe('replaced');
      await events.take('run', 1);
    });

    it('upgrades the chart to another accepted version of the same chart', async () => {
      const upgraded = await patch(instanceId, { workload_document_id: shopV2.id }).expect(200);
      responses[4] = upgraded;
      expect(upgraded.body).toMatchObject({ revision: 4, workload_document_id: shopV2.id });
      expect(configOf(upgraded.body.manifests, '-v2')).toEqual({ since: '2' });
      expect(upgraded.body.exposed_urls).toEqual(created.body.exposed_urls);
      await events.take('run', 1);
    });

    it('422 for a document of another chart; 404 for a foreign or unknown one', async () => {
      const other = await patch(instanceId, { workload_document_id: otherChart.id }).expect(422);
      expect(other.body).toMatchObject({
        code: 'chart_name_mismatch',
        errors: [{ field: 'workload_document_id' }],
      });
      await patch(instanceId, { workload_document_id: 999999 }).expect(404);
    });

    it('lists the revisions newest first, paged', async () => {
      const page = await get(`${instanceId}/revisions`).expect(200);
      expect(page.body.meta).toEqual({
        page: 1,
        limit: 20,
        total: 4,
        total_pages: 1,
        count: 'exact',
        next_cursor: null,
      });
      const first = await get(`${instanceId}/revisions?limit=3`).expect(200);
      const next = await get(
        `${instanceId}/revisions?limit=3&cursor=${String(first.body.meta.next_cursor)}`,
      ).expect(200);
      expect(next.body.items.map((item: { revision: number }) => item.revision)).toEqual([1]);
      const items = page.body.items as Array<Record<string, unknown>>;
      expect(items.map((item) => item.revision)).toEqual([4, 3, 2, 1]);
      expect(items.map((item) => item.origin)).toEqual(['upgrade', 'upgrade', 'upgrade', 'create']);
      expect(items.map((item) => item.current)).toEqual([true, false, false, false]);
      expect(items[0]).toMatchObject({
        chart_name: 'shop',
        chart_version: shopV2.version,
        workload_document_id: shopV2.id,
        status: 'rendered',
        created_by: 'alice',
        rollback_of: null,
        values_digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        manifests_digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      });
      expect(items[3]).toMatchObject({ chart_version: shopV1.version });
      expect(items[3].values_digest).not.toBe(items[2].values_digest);
      expect(items[0]).not.toHaveProperty('manifests');
      const second = await get(`${instanceId}/revisions?limit=3&page=2`).expect(200);
      expect(second.body.items.map((item: { revision: number }) => item.revision)).toEqual([1]);
      const oldestFirst = await get(`${instanceId}/revisions?order=asc&limit=2`).expect(200);
      expect(oldestFirst.body.items.map((item: { revision: number }) => item.revision)).toEqual([
        1, 2,
      ]);
    });

    it('answers one revision with its manifests', async () => {
      const second = await get(`${instanceId}/revisions/2`, reader).expect(200);
      expect(second.body).toMatchObject({ revision: 2, current: false, origin: 'upgrade' });
      expect(second.body.manifests).toEqual(responses[2].body.manifests);
    });

    it('diffs a revision against the one before by default, Secret values never shown', async () => {
      const diff = await get(`${instanceId}/revisions/2/diff`).expect(200);
      expect(diff.body).toMatchObject({
        revision: 2,
        against: 1,
        added: 0,
        removed: 0,
        changed: 2,
      });
      const changes = diff.body.changes as Array<{
        key: { kind: string; name: string; namespace: string };
        change: string;
        patch: unknown[];
      }>;
      const deployment = changes.find((change) => change.key.kind === 'Deployment');
      expect(deployment).toMatchObject({
        change: 'changed',
        key: { apiVersion: 'apps/v1', namespace: 'edge', name: 'web-web' },
        patch: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
      });
      const secret = changes.find((change) => change.key.kind === 'Secret');
      expect(secret?.patch).toEqual([
        { op: 'replace', path: '/data/password', value: '(redacted, changed)' },
      ]);
      const text = JSON.stringify(diff.body);
      for (const value of [PASSWORD_1, PASSWORD_2]) {
        expect(text).not.toContain(value);
        expect(text).not.toContain(Buffer.from(value).toString('base64'));
      }
    });

    it('diffs against any revision; the chart upgrade added an object', async () => {
      const diff = await get(`${instanceId}/revisions/4/diff?against=3`).expect(200);
      expect(diff.body).toMatchObject({ revision: 4, against: 3, added: 1, removed: 0 });
      expect(diff.body.changes).toContainEqual({
        key: { apiVersion: 'v1', kind: 'ConfigMap', namespace: null, name: 'web-v2' },
        change: 'added',
      });
      const first = await get(`${instanceId}/revisions/1/diff`).expect(200);
      expect(first.body).toMatchObject({ revision: 1, against: null, removed: 0, changed: 0 });
      expect(first.body.added).toBe(responses[1].body.manifests.length);
    });

    it('404 for unknown revisions and for foreign tenants; 400 for malformed numbers', async () => {
      const unknown = await get(`${instanceId}/revisions/99`).expect(404);
      expect(unknown.body.code).toBe('revision_not_found');
      const against = await get(`${instanceId}/revisions/2/diff?against=99`).expect(404);
      expect(against.body.errors).toEqual([{ field: 'against', reason: expect.any(String) }]);
      await get(`${instanceId}/revisions/2/diff`, otherTenant).expect(404);
      await get(`${instanceId}/revisions`, otherTenant).expect(404);
      await get(`${instanceId}/revisions/2`, otherTenant).expect(404);
      await patch(instanceId, {}).set('Authorization', otherTenant).expect(404);
      const malformed = ['0', '1e3', '0x10', '2147483648', '-1', '%2B1'];
      const answers = await Promise.all(
        malformed.map((bad) => get(`${instanceId}/revisions/${bad}`)),
      );
      expect(answers.map((answer) => [answer.status, answer.body.code])).toEqual(
        malformed.map(() => [400, 'invalid_revision']),
      );
    });

    it('rolls back to revision 2 without rendering: revision 5 with the same manifests, run published', async () => {
      const rolled = await rollback(instanceId, 2, '"4"').expect(200);
      responses[5] = rolled;
      expect(rolled.headers.etag).toBe('"5"');
      expect(rolled.body).toMatchObject({
        revision: 5,
        status: 'rendered',
        workload_document_id: shopV1.id,
      });
      expect(rolled.body.manifests).toEqual(responses[2].body.manifests);
      // The pinned images come back with the manifests, and so does their lock.
      expect(rolled.body.image_lock).toEqual(responses[2].body.image_lock);
      expect(rolled.body.image_lock.length).toBeGreaterThan(0);
      const [event] = await events.take('run', 1);
      expect(event.body).toMatchObject({ revision: 5, instance_id: instanceId });
      expect(event.body.manifests).toEqual(responses[2].body.manifests);
      const [latest] = (await get(`${instanceId}/revisions?limit=1`).expect(200)).body.items;
      const second = (await get(`${instanceId}/revisions/2`).expect(200)).body;
      expect(latest).toMatchObject({
        revision: 5,
        origin: 'rollback',
        rollback_of: 2,
        manifests_digest: second.manifests_digest,
        values_digest: second.values_digest,
      });
      const diff = await get(`${instanceId}/revisions/5/diff?against=2`).expect(200);
      expect(diff.body.changes).toEqual([]);
    });

    it('stores manifests once per distinct content', async () => {
      const [{ sets, revisions }] = (await dataSource.query(
        `SELECT count(DISTINCT r.manifests_digest)::int AS sets, count(*)::int AS revisions
           FROM instance_revision r JOIN workload_instance i ON i.id = r.instance_id
          WHERE i.instance_id = $1`,
        [instanceId],
      )) as Array<{ sets: number; revisions: number }>;
      expect(revisions).toBe(5);
      expect(sets).toBe(4);
    });

    it('409 for a rollback to the current revision; 404 for an unknown one; 412 when stale', async () => {
      const current = await rollback(instanceId, 5).expect(409);
      expect(current.body).toMatchObject({
        code: 'already_at_revision',
        errors: [{ field: 'revision' }],
      });
      await rollback(instanceId, 77).expect(404);
      await rollback(instanceId, 1, '"4"').expect(412);
      const invalid = await rollback(instanceId, 0).expect(400);
      expect(invalid.body.errors[0].field).toBe('revision');
    });

    it('a later PATCH merges onto the values of the revision rolled back to', async () => {
      const next = await patch(instanceId, { values: { message: 'after-rollback' } }).expect(200);
      expect(next.body.revision).toBe(6);
      expect(replicasOf(next.body.manifests)).toBe(3);
      expect(configOf(next.body.manifests, '-config').message).toBe('after-rollback');
      await events.take('run', 1);
    });

    it('records the reported status on the current revision', async () => {
      await http
        .put(`/api/v1/instances/${instanceId}/status`)
        .set('Authorization', orchestrator)
        .send({ status: 'deployed' })
        .expect(200);
      const items = (await get(`${instanceId}/revisions?limit=2`).expect(200)).body.items;
      expect(items.map((item: { status: string }) => item.status)).toEqual([
        'deployed',
        'rendered',
      ]);
      const upgraded = await patch(instanceId, { values: { replicaCount: 2 } }).expect(200);
      expect(upgraded.body.status).toBe('rendered');
      await events.take('run', 1);
    });

    it('PATCH ?dry_run=true answers the render and its diff, stores and publishes nothing', async () => {
      const before = await outboxCount();
      const current = (await get(instanceId).expect(200)).body;
      const preview = await patch(
        instanceId,
        { values: { replicaCount: 5 } },
        undefined,
        '?dry_run=true',
      ).expect(200);
      expect(preview.body).toMatchObject({
        dry_run: true,
        instance_id: instanceId,
        revision: current.revision + 1,
        release_name: 'web',
      });
      expect(replicasOf(preview.body.manifests)).toBe(5);
      expect(preview.body.diff).toMatchObject({ changed: 1, added: 0, removed: 0 });
      expect(preview.body.diff.changes[0].patch).toEqual([
        { op: 'replace', path: '/spec/replicas', value: 5 },
      ]);
      const after = (await get(instanceId).expect(200)).body;
      expect(after.revision).toBe(current.revision);
      expect(after.manifests).toEqual(current.manifests);
      expect(await outboxCount()).toBe(before);
      const listed = (await get(`${instanceId}/revisions`).expect(200)).body;
      expect(listed.meta.total).toBe(current.revision);
    });

    it('values over the size limit: 400 for the body, 422 when the merge would be too large', async () => {
      const tooBig = await patch(instanceId, {
        values: { blob: 'x'.repeat(VALUES_MAX_BYTES) },
      }).expect(400);
      expect(tooBig.body).toMatchObject({
        code: 'values_too_large',
        errors: [{ field: 'values' }],
      });
      const half = 'y'.repeat(VALUES_MAX_BYTES / 2);
      await patch(instanceId, { values: { a: half } }).expect(200);
      const merged = await patch(instanceId, { values: { b: half } }).expect(422);
      expect(merged.body).toMatchObject({
        code: 'values_too_large',
        errors: [{ field: 'values' }],
      });
      await events.take('run', 1);
    });

    it.each([
      ['an unknown strategy', { values: {}, values_strategy: 'deep' }, 'values_strategy'],
      ['values that are not an object', { values: [1] }, 'values'],
      ['an unknown field', { release_name: 'renamed' }, 'release_name'],
      ['a malformed cluster name', { cluster_name: '-x-' }, 'cluster_name'],
    ])('400 for %s', async (_, body, field) => {
      const answer = await patch(instanceId, body).expect(400);
      expect(answer.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    });
  });

  describe('concurrency', () => {
    let instanceId: string;

    beforeAll(async () => {
      const created = await create(shopV1.id, { release_name: 'race' }).expect(201);
      instanceId = created.body.instance_id;
      await events.take('run', 1);
    });

    it('serializes concurrent PATCHes without If-Match: both land, in distinct revisions, neither lost', async () => {
      const [first, second] = await Promise.all([
        patch(instanceId, { values: { message: 'from-a' } }),
        patch(instanceId, { values: { replicaCount: 4 } }),
      ]);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect([first.body.revision, second.body.revision].sort()).toEqual([2, 3]);
      const final = (await get(instanceId).expect(200)).body;
      expect(final.revision).toBe(3);
      expect(replicasOf(final.manifests)).toBe(4);
      expect(configOf(final.manifests, '-config').message).toBe('from-a');
      const runs = await events.take('run', 2);
      expect(runs.map((event) => event.body.revision).sort()).toEqual([2, 3]);
    });

    it('with the same If-Match only one of two concurrent PATCHes lands; the other gets 412', async () => {
      const [first, second] = await Promise.all([
        patch(instanceId, { values: { message: 'x' } }, '"3"'),
        patch(instanceId, { values: { message: 'y' } }, '"3"'),
      ]);
      expect([first.status, second.status].sort()).toEqual([200, 412]);
      expect((await get(instanceId).expect(200)).body.revision).toBe(4);
      await events.take('run', 1);
    });
  });

  describe('deleted instances', () => {
    it('409 for PATCH and rollback while deleting or deleted', async () => {
      const created = await create(shopV1.id, { release_name: 'gone' }).expect(201);
      const instanceId = created.body.instance_id as string;
      await patch(instanceId, { values: { replicaCount: 2 } }).expect(200);
      await http.delete(`/api/v1/instances/${instanceId}`).set('Authorization', writer).expect(202);
      const deleting = await patch(instanceId, { values: { replicaCount: 3 } }).expect(409);
      expect(deleting.body.code).toBe('instance_not_changeable');
      await rollback(instanceId, 1).expect(409);
      await http
        .put(`/api/v1/instances/${instanceId}/status`)
        .set('Authorization', orchestrator)
        .send({ status: 'deleted' })
        .expect(200);
      await patch(instanceId, {}).expect(409);
      const items = (await get(`${instanceId}/revisions`).expect(200)).body.items;
      expect(items[0]).toMatchObject({ revision: 2, status: 'deleted' });
      await events.take('run', 2);
      await events.take('delete', 1);
    });
  });

  describe('POST ?dry_run=true', () => {
    it('answers what would be rendered, stores nothing and publishes nothing', async () => {
      const before = await outboxCount();
      const preview = await create(
        shopV1.id,
        { release_name: 'preview', values: { replicaCount: 2 }, ingress_enabled: true },
        '?dry_run=true',
      ).expect(200);
      expect(preview.body).toMatchObject({
        dry_run: true,
        instance_id: null,
        revision: 1,
        release_name: 'preview',
        diff: null,
      });
      expect(replicasOf(preview.body.manifests)).toBe(2);
      expect(preview.body.exposed_urls).toHaveLength(1);
      expect(await outboxCount()).toBe(before);
      const list = await http.get('/api/v1/instances').set('Authorization', writer).expect(200);
      expect(
        list.body.items.map((item: { release_name: string }) => item.release_name),
      ).not.toContain('preview');
      // Refused like a real creation.
      await create(shopV1.id, { release_name: 'web' }, '?dry_run=true').expect(409);
      await create(shopV1.id, { release_name: 'ok' }, '?dry_run=maybe').expect(400);
    });
  });

  describe('target-cluster profiles', () => {
    it('admins and the service role write profiles; writers may not; every reader reads them', async () => {
      const forbidden = await putCluster('edge-new', { kubernetes_version: '1.33' }, writer).expect(
        403,
      );
      expect(forbidden.body.code).toBe('platform_role_required');
      const created = await putCluster('edge-new', {
        kubernetes_version: '1.33',
        api_versions: ['monitoring.coreos.com/v1/ServiceMonitor'],
        default_namespace: 'edge-ns',
        ingress_domain: 'edge.example',
        ingress_class_name: 'traefik',
      }).expect(201);
      expect(created.body).toMatchObject({
        name: 'edge-new',
        kubernetes_version: 'v1.33.0',
        api_versions: ['monitoring.coreos.com/v1/ServiceMonitor'],
        default_namespace: 'edge-ns',
        updated_by: 'root',
      });
      await putCluster('edge-mid', { kubernetes_version: 'v1.30.1' }, orchestrator).expect(201);
      await putCluster('edge-old', { kubernetes_version: '1.28.0' }).expect(201);
      const replaced = await putCluster('edge-old', { kubernetes_version: '1.28.4' }).expect(200);
      expect(replaced.body.kubernetes_version).toBe('v1.28.4');
      const listed = await http
        .get('/api/v1/clusters?order=asc')
        .set('Authorization', otherTenant)
        .expect(200);
      expect(listed.body.items.map((item: { name: string }) => item.name)).toEqual([
        'edge-mid',
        'edge-new',
        'edge-old',
      ]);
      await http.get('/api/v1/clusters/edge-mid').set('Authorization', reader).expect(200);
      await http.get('/api/v1/clusters/nowhere').set('Authorization', reader).expect(404);
      await http.delete('/api/v1/clusters/edge-mid').set('Authorization', writer).expect(403);
    });

    it.each([
      ['a malformed Kubernetes version', { kubernetes_version: '1.x' }, 'kubernetes_version'],
      [
        'an API version that could be a flag',
        { kubernetes_version: '1.30', api_versions: ['--set=x'] },
        'api_versions',
      ],
      [
        'too many API versions',
        {
          kubernetes_version: '1.30',
          api_versions: Array.from({ length: 1001 }, (_, i) => `g${i}.io/v1`),
        },
        'api_versions',
      ],
      [
        'an invalid namespace',
        { kubernetes_version: '1.30', default_namespace: 'Edge_1' },
        'default_namespace',
      ],
    ])('400 for %s', async (_, body, field) => {
      const answer = await putCluster('edge-bad', body).expect(400);
      expect(answer.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    });

    it('renders for the profile: .Capabilities.KubeVersion, APIVersions.Has, default namespace', async () => {
      const created = await create(caps.id, {
        release_name: 'caps-a',
        cluster_name: 'edge-new',
      }).expect(201);
      expect(created.body).toMatchObject({ cluster_name: 'edge-new', namespace: 'edge-ns' });
      expect(configOf(created.body.manifests, '-capabilities')).toEqual({
        kubeVersion: 'v1.33.0',
        serviceMonitors: 'true',
        generation: 'new',
      });
      const [revision] = (await get(`${created.body.instance_id}/revisions`).expect(200)).body
        .items;
      expect(revision).toMatchObject({ cluster_name: 'edge-new', kube_version: 'v1.33.0' });
      const [event] = await events.take('run', 1);
      expect(event.body.cluster_name).toBe('edge-new');

      // Same chart, values, release and namespace, another profile: another render (the cache keys on it).
      const moved = await patch(created.body.instance_id, { cluster_name: 'edge-mid' }).expect(200);
      expect(configOf(moved.body.manifests, '-capabilities')).toEqual({
        kubeVersion: 'v1.30.1',
        serviceMonitors: 'false',
        generation: 'old',
      });
      await events.take('run', 1);
    });

    it('without a profile helm renders with its own defaults (and an unknown cluster is no profile)', async () => {
      const plain = await create(caps.id, { release_name: 'caps-b' }).expect(201);
      const unknown = await create(caps.id, {
        release_name: 'caps-c',
        cluster_name: 'unprofiled',
      }).expect(201);
      for (const created of [plain, unknown]) {
        const data = configOf(created.body.manifests, '-capabilities');
        expect(data.serviceMonitors).toBe('false');
        expect(data.kubeVersion).not.toBe('v1.33.0');
      }
      await events.take('run', 2);
    });

    it('422 kube_version_incompatible for a chart whose kubeVersion excludes the cluster', async () => {
      const before = await outboxCount();
      const refused = await create(caps.id, {
        release_name: 'caps-old',
        cluster_name: 'edge-old',
      }).expect(422);
      expect(refused.body).toMatchObject({
        code: 'kube_version_incompatible',
        errors: [{ field: 'cluster_name', reason: expect.stringContaining('v1.28.4') }],
      });
      expect(refused.body.detail).toContain('>=1.30.0-0');
      expect(await outboxCount()).toBe(before);
    });

    it('later upgrades render for the cluster the meta-Orchestrator reported', async () => {
      const created = await create(caps.id, { release_name: 'caps-d' }).expect(201);
      const instanceId = created.body.instance_id as string;
      await http
        .put(`/api/v1/instances/${instanceId}/status`)
        .set('Authorization', orchestrator)
        .send({ status: 'deployed', cluster_name: 'edge-new' })
        .expect(200);
      const upgraded = await patch(instanceId, {}).expect(200);
      expect(configOf(upgraded.body.manifests, '-capabilities').kubeVersion).toBe('v1.33.0');
      // A report from an old cluster: the next upgrade is refused by the chart's kubeVersion.
      await http
        .put(`/api/v1/instances/${instanceId}/status`)
        .set('Authorization', orchestrator)
        .send({ status: 'deployed', cluster_name: 'edge-old' })
        .expect(200);
      const refused = await patch(instanceId, {}).expect(422);
      expect(refused.body.code).toBe('kube_version_incompatible');
      expect((await get(instanceId).expect(200)).body.revision).toBe(2);
      await events.take('run', 2);
    });

    it("exposes instances on the cluster's ingress domain and class", async () => {
      const created = await create(shopV1.id, {
        release_name: 'shop-edge',
        cluster_name: 'edge-new',
        ingress_enabled: true,
      }).expect(201);
      expect(created.body.namespace).toBe('edge-ns');
      expect(created.body.exposed_urls[0]).toMatch(
        /^http:\/\/shop-edge\.[0-9a-f]{8}\.edge\.example\/$/,
      );
      const ingress = find(created.body.manifests, 'Ingress');
      expect((ingress.spec as { ingressClassName: string }).ingressClassName).toBe('traefik');
      await events.take('run', 1);
    });
  });
});
