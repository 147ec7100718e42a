import { RunEvent, SEED_RUN_MESSAGE } from '../../src/contract';
import { KubernetesManifest } from '../../src/common/kubernetes-manifest';
import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Nack } from '@golevelup/nestjs-rabbitmq';
import { connect } from 'amqplib';
import { dump } from 'js-yaml';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { InstanceStatusConsumer } from '../../src/instance/instance-status.consumer';
import { EventSubscriber } from '../support/amqp';
import { pushTestImage, registryDigest } from '../support/oci-image';
import { resetDatabase, startApi } from '../support/app';
import { authHeader } from '../support/auth';
import { eventSchemaErrors } from '../support/event-schema';
import {
  OnboardedWorkload,
  onboardShop,
  pushShopImages,
  resetOnboardingQueue,
} from '../integration/instance/onboarded-workload';
import { startWorker } from '../support/worker';
import { validateAgainstKubernetesSchema } from '../integration/instance/k8s-schema';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DOMAIN = 'apps.nemo.test';
const STATUS_QUEUE = 'nemo.instance-status';

const cpuIntent = (objectType = 'NEMO_WORKLOAD', objectInstance?: string) => ({
  user_label: 'DeliverComputingWorkload',
  intent_expectations: [
    {
      expectation_verb: 'ENSURE',
      expectation_object: {
        object_type: objectType,
        ...(objectInstance ? { object_instance: objectInstance } : {}),
      },
      expectation_targets: [
        { target_name: 'cpuUsage', target_condition: 'IS_LESS_THAN', target_value_range: 20 },
      ],
    },
  ],
});

function imagesOf(manifests: KubernetesManifest[]): string[] {
  const deployment = manifests.find((manifest) => manifest.kind === 'Deployment') as unknown as {
    spec: {
      template: {
        spec: { containers: Array<{ image: string }>; initContainers: Array<{ image: string }> };
      };
    };
  };
  const pod = deployment.spec.template.spec;
  return [...pod.initContainers, ...pod.containers].map((container) => container.image);
}

describe('Workload instances (real api + worker, helm, registry, broker)', () => {
  let app: NestExpressApplication;
  let worker: INestApplication;
  let http: ReturnType<typeof request>;
  let events: EventSubscriber;
  let writer: string;
  let otherTenant: string;
  let orchestrator: string;
  let exposable: OnboardedWorkload;
  let plain: OnboardedWorkload;

  beforeAll(async () => {
    const env = {
      registry: { SOURCE_REGISTRY_TLS_VERIFY: 'false' },
      ingress: { INGRESS_DOMAIN: DOMAIN },
      instance: { INSTANCE_VALUES_MAX_BYTES: '2048', INSTANCE_STATUS_QUEUE: STATUS_QUEUE },
    };
    app = await startApi(env);
    await resetDatabase(app);
    await resetOnboardingQueue(app);
    worker = await startWorker({ config: env });
    http = request(app.getHttpServer());
    writer = await authHeader({ tenant: 'tenant-a', subject: 'alice' });
    otherTenant = await authHeader({ tenant: 'tenant-b', subject: 'bob' });
    orchestrator = await authHeader({
      tenant: 'platform',
      subject: 'meta-orchestrator',
      roles: ['service'],
    });
    events = await EventSubscriber.open();
    await events.purge('run', 'delete', 'intent-notify');
    const images = await pushShopImages();
    [exposable, plain] = await Promise.all([
      onboardShop(http, writer, { ingressSupport: true, images }),
      onboardShop(http, writer, { name: 'shop-plain', ingressSupport: false, images }),
    ]);
  });

  afterAll(async () => {
    await events?.close();
    await worker?.close();
    await app?.close();
  });

  const create = (workloadId: number, body: Record<string, unknown>, auth = writer) =>
    http.post(`/api/v1/workloads/${workloadId}/instances`).set('Authorization', auth).send(body);

  describe('POST /api/v1/workloads/{id}/instances', () => {
    let created: request.Response;

    beforeAll(async () => {
      created = await create(exposable.id, {
        release_name: 'web',
        namespace: 'edge',
        values: { replicaCount: 2, message: 'hi' },
        ingress_enabled: true,
        intents: [cpuIntent('SOMETHING_ELSE', 'not-this-instance')],
      });
    });

    it('answers 201 with the rendered instance', () => {
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        id: expect.any(Number),
        instance_id: expect.stringMatching(UUID_V4),
        workload_document_id: exposable.id,
        release_name: 'web',
        namespace: 'edge',
        status: 'rendered',
        status_reason: null,
        cluster_name: null,
        ingress_enabled: true,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const kinds = (created.body.manifests as KubernetesManifest[]).map(
        (manifest) => manifest.kind,
      );
      expect(kinds).toEqual(['ConfigMap', 'Service', 'Deployment', 'Ingress']);
      const deployment = created.body.manifests[2];
      expect(deployment.spec.replicas).toBe(2);
      expect(deployment.metadata.namespace).toBe('edge');
    });

    it('points every image at its mirror in the NEMO registry, pinned to the onboarded digest', async () => {
      const { init, app: appImage } = exposable.images;
      expect(imagesOf(created.body.manifests)).toEqual([
        exposable.pinned[init],
        exposable.pinned[appImage],
      ]);
      expect(exposable.pinned[appImage]).toMatch(
        new RegExp(`^${process.env.REGISTRY_HOST}/.*@sha256:[a-f0-9]{64}$`),
      );
      expect(exposable.pinned[appImage]).not.toBe(appImage);
      // The pinned reference is the very manifest the mirror tag named at onboarding.
      expect(await registryDigest(exposable.pinned[appImage])).toBe(
        await registryDigest(exposable.mirrors[appImage]),
      );
      // One line per source image, in the order the manifests first name it (containers first).
      expect(created.body.image_lock).toEqual(
        [appImage, init].map((source) => ({
          source,
          reference: exposable.pinned[source],
          digest: exposable.pinned[source].split('@')[1],
        })),
      );
      const read = await http
        .get(`/api/v1/instances/${created.body.instance_id}`)
        .set('Authorization', writer)
        .expect(200);
      expect(read.body.image_lock).toEqual(created.body.image_lock);
    });

    it('keeps pulling the onboarded digest after the mirror tag was moved', async () => {
      const registry = `${process.env.REGISTRY_HOST}/`;
      const mirrored = plain.mirrors[plain.images.app];
      const [, repository, tag] = /^(.+):([^:/]+)$/.exec(mirrored.slice(registry.length)) ?? [];
      const moved = await pushTestImage(registry.slice(0, -1), repository, tag, {
        content: 'another image pushed under the mirror tag after onboarding',
      });
      expect(await registryDigest(mirrored)).toBe(moved.digest);
      const pinned = plain.pinned[plain.images.app];
      // A dry run renders like a creation and stores nothing (later tests count instances).
      const answer = await http
        .post(`/api/v1/workloads/${plain.id}/instances?dry_run=true`)
        .set('Authorization', writer)
        .send({ release_name: 'after-move' })
        .expect(200);
      expect(answer.body.image_lock).toContainEqual(
        expect.objectContaining({ source: plain.images.app, reference: pinned }),
      );
      expect(imagesOf(answer.body.manifests)).toContain(pinned);
      expect(pinned).not.toContain(moved.digest);
      expect(await registryDigest(pinned)).toBe(pinned.split('@')[1]);
    });

    it('exposes the annotated Service through the NEMO ingress and lists the URL', async () => {
      const short = (created.body.instance_id as string).slice(0, 8);
      const host = `web.${short}.${DOMAIN}`;
      expect(created.body.exposed_urls).toEqual([`http://${host}/`]);
      const ingress = created.body.manifests[3];
      expect(ingress).toMatchObject({
        apiVersion: 'networking.k8s.io/v1',
        metadata: { name: 'web-web-nemo-ingress', namespace: 'edge' },
        spec: {
          ingressClassName: 'nginx',
          rules: [
            {
              host,
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'ImplementationSpecific',
                    backend: { service: { name: 'web-web', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      });
      const results = await validateAgainstKubernetesSchema(created.body.manifests);
      expect(results.filter((result) => result.errors !== null)).toEqual([]);
    });

    it('creates the inline intents about this instance, whatever object the client named', () => {
      expect(created.body.intents).toHaveLength(1);
      const [intent] = created.body.intents;
      expect(intent).toMatchObject({
        id: expect.any(Number),
        user_label: 'DeliverComputingWorkload',
      });
      expect(intent.intent_expectations[0].expectation_object).toMatchObject({
        object_type: 'NEMO_WORKLOAD',
        object_instance: created.body.instance_id,
      });
    });

    it('publishes a run event of exactly the seed shape, field by field', async () => {
      const [event] = await events.take('run', 1);
      const body = event.body as RunEvent;
      // The seed's fields in the seed's order, then the added revision.
      expect(Object.keys(body)).toEqual([...Object.keys(SEED_RUN_MESSAGE), 'revision']);
      expect(body.revision).toBe(1);
      expect(eventSchemaErrors('run', body)).toEqual([]);
      expect(body.id).toBe(created.body.id);
      expect(body.instance_id).toBe(created.body.instance_id);
      expect(body.workload_document_id).toBe(exposable.id);
      expect(body.release_name).toBe('web');
      expect(body.status).toBe('rendered');
      expect(body.manifests).toEqual(created.body.manifests);
      expect(body.cluster_name).toBeNull();
      expect(body.intents).toEqual(created.body.intents);
      // the seed's intent fields in the seed's order, then the one added since
      expect(Object.keys(body.intents[0])).toEqual([
        ...Object.keys(SEED_RUN_MESSAGE.intents[0]),
        'intent_admin_state',
      ]);
      expect(event.message.properties).toMatchObject({
        contentType: 'application/json',
        deliveryMode: 2,
        messageId: expect.any(String),
        timestamp: expect.any(Number),
      });
    });

    it('reads the instance back, alone and in the filtered list', async () => {
      const got = await http
        .get(`/api/v1/instances/${created.body.instance_id}`)
        .set('Authorization', writer)
        .expect(200);
      expect(got.body).toEqual(created.body);
      const list = await http
        .get('/api/v1/instances')
        .query({ workload_document_id: exposable.id, status: 'rendered' })
        .set('Authorization', writer)
        .expect(200);
      expect(list.body.items.map((item: { instance_id: string }) => item.instance_id)).toContain(
        created.body.instance_id,
      );
      const none = await http
        .get('/api/v1/instances')
        .query({ cluster_name: 'nowhere' })
        .set('Authorization', writer)
        .expect(200);
      expect(none.body).toEqual({
        items: [],
        meta: { page: 1, limit: 20, total: 0, total_pages: 0, count: 'exact', next_cursor: null },
      });
    });

    it('refuses the same release name while the instance is live (409)', async () => {
      const again = await create(exposable.id, { release_name: 'web' }).expect(409);
      expect(again.body).toMatchObject({ code: 'release_name_taken' });
      // Another tenant may use the name (and cannot see this document: 404).
      await create(exposable.id, { release_name: 'web' }, otherTenant).expect(404);
    });

    it('refuses to delete the workload document while it has live instances (409)', async () => {
      await http
        .delete(`/api/v1/workloads/${exposable.id}`)
        .set('Authorization', writer)
        .expect(409);
    });
  });

  describe('refusals', () => {
    it('409 for a document that is not accepted', async () => {
      const pending = await http
        .post('/api/v1/workloads')
        .set('Authorization', writer)
        .send({ name: 'never-uploaded', version: '1.0.0', type: 'chart' })
        .expect(201);
      const answer = await create(pending.body.id, { release_name: 'x' }).expect(409);
      expect(answer.body.code).toBe('workload_not_accepted');
    });

    it('404 for an unknown document', async () => {
      await create(999999, { release_name: 'x' }).expect(404);
    });

    it('422 for ingress_enabled on a document without ingress_support', async () => {
      const answer = await create(plain.id, {
        release_name: 'plain',
        ingress_enabled: true,
      }).expect(422);
      expect(answer.body).toMatchObject({
        code: 'ingress_not_supported',
        errors: [{ field: 'ingress_enabled' }],
      });
    });

    it('422 naming the Service and the annotation for a port the Service does not expose', async () => {
      const values = {
        services: {
          web: {
            annotations: {
              'nemo.eu/ingress-expose': 'true',
              'nemo.eu/ingress-service-port': '9999',
            },
          },
        },
      };
      const answer = await create(exposable.id, {
        release_name: 'badport',
        values,
        ingress_enabled: true,
      }).expect(422);
      expect(answer.body.code).toBe('ingress_annotation_invalid');
      expect(answer.body.detail).toContain(
        'Service "badport-web", annotation nemo.eu/ingress-service-port',
      );
    });

    it('422 naming the Service and the annotation for an unknown path type', async () => {
      const values = {
        services: {
          web: {
            annotations: { 'nemo.eu/ingress-expose': 'true', 'nemo.eu/ingress-path-type': 'Glob' },
          },
        },
      };
      const answer = await create(exposable.id, {
        release_name: 'badtype',
        values,
        ingress_enabled: true,
      }).expect(422);
      expect(answer.body.errors).toEqual([
        {
          field: 'Service/badtype-web.metadata.annotations["nemo.eu/ingress-path-type"]',
          reason: 'unknown path type "Glob": use one of Exact, Prefix, ImplementationSpecific',
        },
      ]);
    });

    it("422 with helm's message when the template fails", async () => {
      const answer = await create(exposable.id, {
        release_name: 'broken',
        values: { failWith: 'message is required' },
      }).expect(422);
      expect(answer.body.code).toBe('render_failed');
      expect(answer.body.detail).toContain('message is required');
    });

    it('422 when values switch to an image that was never mirrored', async () => {
      const values = { images: { app: 'docker.io/library/nginx:1.27' } };
      const answer = await create(exposable.id, { release_name: 'unmirrored', values }).expect(422);
      expect(answer.body).toMatchObject({
        code: 'image_not_mirrored',
        errors: [{ field: 'Deployment/unmirrored-web.containers[app].image' }],
      });
      expect(answer.body.detail).toContain('artifacthub.io/images');
    });

    it.each([
      ['an upper-case release name', { release_name: 'Web' }, 'release_name'],
      ['a release name over 53 characters', { release_name: 'a'.repeat(54) }, 'release_name'],
      ['values that are not an object', { release_name: 'ok', values: [1, 2] }, 'values'],
      ['an invalid namespace', { release_name: 'ok', namespace: 'Edge_1' }, 'namespace'],
      ['an unknown field', { release_name: 'ok', replicas: 2 }, 'replicas'],
    ])('400 for %s', async (_, body, field) => {
      const answer = await create(exposable.id, body).expect(400);
      expect(answer.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    });

    it('400 for values larger than INSTANCE_VALUES_MAX_BYTES', async () => {
      const answer = await create(exposable.id, {
        release_name: 'big',
        values: { blob: 'x'.repeat(3000) },
      }).expect(400);
      expect(answer.body).toMatchObject({
        code: 'values_too_large',
        errors: [{ field: 'values' }],
      });
    });

    it('records no instance and no event for a refused request', async () => {
      const list = await http.get('/api/v1/instances').set('Authorization', writer).expect(200);
      expect(list.body.items.map((item: { release_name: string }) => item.release_name)).toEqual([
        'web',
      ]);
      expect(await events.depth('run')).toBe(0);
    });
  });

  describe('lifecycle', () => {
    let instanceId: string;

    beforeAll(async () => {
      const created = await create(plain.id, { release_name: 'life' }).expect(201);
      instanceId = created.body.instance_id;
      await events.take('run', 1);
    });

    const report = (body: Record<string, unknown>, auth = orchestrator) =>
      http.put(`/api/v1/instances/${instanceId}/status`).set('Authorization', auth).send(body);

    it('follows the reports of the meta-Orchestrator', async () => {
      await report({ status: 'deploying', cluster_name: 'k3s-cluster' }).expect(200);
      const deployed = await report({ status: 'deployed' }).expect(200);
      // The platform's orchestrator is not in the instance's tenant: an acknowledgement only.
      expect(deployed.body).toEqual({
        instance_id: instanceId,
        status: 'deployed',
        updated_at: expect.any(String),
      });
      const seen = await http
        .get(`/api/v1/instances/${instanceId}`)
        .set('Authorization', writer)
        .expect(200);
      expect(seen.body).toMatchObject({
        status: 'deployed',
        cluster_name: 'k3s-cluster',
        status_reason: null,
      });
      const listed = await http
        .get('/api/v1/instances')
        .query({ cluster_name: 'k3s-cluster' })
        .set('Authorization', writer);
      expect(listed.body.items.map((item: { instance_id: string }) => item.instance_id)).toEqual([
        instanceId,
      ]);
    });

    it('refuses an illegal transition with 409', async () => {
      const answer = await report({ status: 'deleted' }).expect(409);
      expect(answer.body.code).toBe('illegal_status_transition');
    });

    it('needs the report permission and a valid status', async () => {
      await report({ status: 'failed' }, writer).expect(403);
      await report({ status: 'deleting' }).expect(400);
    });

    it('deletes with 202, one delete event, and answers a second delete without a second event', async () => {
      const first = await http
        .delete(`/api/v1/instances/${instanceId}`)
        .set('Authorization', writer)
        .expect(202);
      expect(first.body).toMatchObject({ instance_id: instanceId, status: 'deleting' });
      const [event] = await events.take('delete', 1);
      expect(Object.keys(event.body)).toEqual(['id', 'instance_id', 'cluster_name']);
      expect(event.body).toEqual({
        id: first.body.id,
        instance_id: instanceId,
        cluster_name: 'k3s-cluster',
      });
      expect(eventSchemaErrors('delete', event.body)).toEqual([]);
      const second = await http
        .delete(`/api/v1/instances/${instanceId}`)
        .set('Authorization', writer)
        .expect(202);
      expect(second.body.status).toBe('deleting');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await events.depth('delete')).toBe(0);
    });

    it('refuses deploy reports while deleting, accepts deleted, then frees the release name', async () => {
      await report({ status: 'deployed' }).expect(409);
      const deleted = await report({
        status: 'deleted',
        reason: 'removed from k3s-cluster',
      }).expect(200);
      expect(deleted.body).toMatchObject({ instance_id: instanceId, status: 'deleted' });
      const seen = await http
        .get(`/api/v1/instances/${instanceId}`)
        .set('Authorization', writer)
        .expect(200);
      expect(seen.body.status_reason).toBe('removed from k3s-cluster');
      await report({ status: 'deploying' }).expect(409);
      await http.delete(`/api/v1/instances/${instanceId}`).set('Authorization', writer).expect(202);
      expect(await events.depth('delete')).toBe(0);
      const again = await create(plain.id, { release_name: 'life' }).expect(201);
      expect(again.body.instance_id).not.toBe(instanceId);
      await events.take('run', 1);
    });
  });

  describe('tenant isolation', () => {
    it("hides one tenant's instances from another (404, empty list)", async () => {
      const mine = await create(plain.id, { release_name: 'private' }).expect(201);
      await events.take('run', 1);
      const id = mine.body.instance_id as string;
      await http.get(`/api/v1/instances/${id}`).set('Authorization', otherTenant).expect(404);
      await http.delete(`/api/v1/instances/${id}`).set('Authorization', otherTenant).expect(404);
      const list = await http
        .get('/api/v1/instances')
        .set('Authorization', otherTenant)
        .expect(200);
      expect(list.body.meta.total).toBe(0);
      await http.get(`/api/v1/instances/${id}`).set('Authorization', writer).expect(200);
      expect(await events.depth('delete')).toBe(0);
    });

    it('answers 400 for an instance id that is not a UUID', async () => {
      await http.get('/api/v1/instances/42').set('Authorization', writer).expect(400);
    });
  });

  describe('status reports on INSTANCE_STATUS_QUEUE (a real amqplib publisher)', () => {
    let instanceId: string;

    /** What the platform would do: publish JSON reports straight to the queue. */
    async function publish(...bodies: Array<string | Record<string, unknown>>): Promise<void> {
      const connection = await connect(process.env.RABBITMQ_URL ?? '');
      const channel = await connection.createConfirmChannel();
      await channel.assertQueue(STATUS_QUEUE, { durable: true });
      for (const body of bodies) {
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        channel.sendToQueue(STATUS_QUEUE, Buffer.from(text), {
          persistent: true,
          contentType: 'application/json',
        });
      }
      await channel.waitForConfirms();
      await connection.close();
    }

    async function statusBecomes(status: string): Promise<Record<string, unknown>> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { body } = await http
          .get(`/api/v1/instances/${instanceId}`)
          .set('Authorization', writer)
          .expect(200);
        if (body.status === status) return body;
        if (Date.now() > deadline)
          throw new Error(`status stayed ${body.status}, expected ${status}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    async function queueDepth(): Promise<number> {
      const connection = await connect(process.env.RABBITMQ_URL ?? '');
      const channel = await connection.createChannel();
      const { messageCount } = await channel.checkQueue(STATUS_QUEUE);
      await connection.close();
      return messageCount;
    }

    beforeAll(async () => {
      const created = await create(plain.id, { release_name: 'queued' }).expect(201);
      instanceId = created.body.instance_id;
      await events.take('run', 1);
    });

    it('applies a report published on the queue', async () => {
      await publish({ instance_id: instanceId, status: 'deploying', cluster_name: 'edge-1' });
      expect(await statusBecomes('deploying')).toMatchObject({ cluster_name: 'edge-1' });
    });

    it('drops invalid messages and ignores illegal transitions, then goes on', async () => {
      await publish(
        'not json',
        { instance_id: instanceId, status: 'exploded' },
        { instance_id: 'not-a-uuid', status: 'deployed' },
        { instance_id: instanceId, status: 'deleted' },
        { instance_id: '00000000-0000-4000-8000-000000000000', status: 'deployed' },
        { instance_id: instanceId, status: 'failed', reason: 'ImagePullBackOff' },
      );
      expect(await statusBecomes('failed')).toMatchObject({
        status_reason: 'ImagePullBackOff',
        cluster_name: 'edge-1',
      });
      expect(await queueDepth()).toBe(0);
    });

    it('drops a report with a NUL character or a lone surrogate instead of redelivering it', async () => {
      const consumer = app.get(InstanceStatusConsumer);
      const started = Date.now();
      for (const reason of ['a\u0000b', 'x\ud800']) {
        const outcome = await consumer.handle({
          instance_id: instanceId,
          status: 'deployed',
          reason,
        });
        expect(outcome).toEqual(new Nack(false));
      }
      // A redelivered failure waits a second first; a dropped message does not.
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await statusBecomes('failed')).toMatchObject({ status_reason: 'ImagePullBackOff' });
    });
  });
  describe('images declared in the artifacthub.io/images annotation', () => {
    let declared: OnboardedWorkload;
    let extra: string;
    let sigTag: string;
    let signature: { digest: string };

    beforeAll(async () => {
      const run = randomUUID().slice(0, 8);
      const pushed = await pushTestImage(
        process.env.REGISTRY_HOST ?? '',
        `instance-e2e/${run}/extra`,
        '2.0',
      );
      extra = pushed.reference;
      // A cosign signature of the declared image: any small manifest under cosign's tag name.
      sigTag = `${pushed.digest.replace(':', '-')}.sig`;
      signature = await pushTestImage(
        process.env.REGISTRY_HOST ?? '',
        `instance-e2e/${run}/extra`,
        sigTag,
        { content: 'a cosign signature' },
      );
      const name = 'shop-declared';
      const version = `0.1.0-r${run}`;
      const chartYaml = dump({
        apiVersion: 'v2',
        name,
        version,
        type: 'application',
        annotations: {
          'artifacthub.io/images': dump([
            { name: 'app', image: exposable.images.app },
            { name: 'extra', image: extra, whitelisted: true },
          ]),
        },
      });
      declared = await onboardShop(http, writer, {
        name,
        version,
        ingressSupport: false,
        images: exposable.images,
        files: { 'Chart.yaml': chartYaml },
      });
    });

    it('mirrors an image only the annotation names', () => {
      expect(Object.keys(declared.mirrors).sort()).toEqual(
        [exposable.images.app, exposable.images.init, extra].sort(),
      );
    });

    it("copies the image's cosign signature along and lists it, none for unsigned images", async () => {
      const { body } = await http
        .get(`/api/v1/workloads/${declared.id}`)
        .set('Authorization', writer)
        .expect(200);
      const companions = Object.fromEntries(
        (body.images as Array<{ source: string; companions: string[] }>).map((image) => [
          image.source,
          image.companions,
        ]),
      );
      expect(companions).toEqual({
        [exposable.images.app]: [],
        [exposable.images.init]: [],
        [extra]: ['sig'],
      });
      const repository = declared.mirrors[extra].replace(/:[^:/]+$/, '');
      expect(await registryDigest(`${repository}:${sigTag}`)).toBe(signature.digest);
    });

    it('renders with values that switch to the declared image, pinned to its digest', async () => {
      const answer = await http
        .post(`/api/v1/workloads/${declared.id}/instances?dry_run=true`)
        .set('Authorization', writer)
        .send({ release_name: 'declared', values: { images: { app: extra } } })
        .expect(200);
      expect(imagesOf(answer.body.manifests)).toEqual([
        declared.pinned[exposable.images.init],
        declared.pinned[extra],
      ]);
    });
  });
});
