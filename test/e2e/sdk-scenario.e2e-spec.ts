import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { REDIS } from '../../src/infra/redis/redis.module';
import { COMMITTED_OPENAPI, generateClient } from '../../scripts/generate-client';
import { resetDatabase, startApi } from '../support/app';
import { authHeader } from '../support/auth';
import { goodChart } from '../support/charts';
import { pushTestImage } from '../support/oci-image';
import { eventually, WebhookReceiver } from '../support/webhook-receiver';
import { startWorker } from '../support/worker';
import type * as Sdk from '../generated/nemo-client';
import type * as SdkClient from '../generated/nemo-client/client';

type Client = ReturnType<typeof SdkClient.createClient>;

const RUN = randomUUID().slice(0, 8);

/**
 * The Helm repository (S3) and the BullMQ jobs (Redis) outlive resetDatabase, which restarts ids at
 * 1: a fresh repository path and queue prefix keep an earlier run's charts and jobs out of the way
 * (an earlier echo-server 0.5.5 with other image digests would be refused).
 */
const ENV = {
  registry: { SOURCE_REGISTRY_TLS_VERIFY: 'false' },
  ingress: { INGRESS_DOMAIN: 'apps.nemo.test' },
  redis: { QUEUE_PREFIX: `nemo-test-sdk-${RUN}` },
  helmRepository: {
    HELM_REPOSITORY_BUCKET: `${(process.env.HELM_REPOSITORY_BUCKET ?? '').replace(/\/charts$/, '')}/sdk-${RUN}/charts`,
  },
};
const ONBOARDING_TIMEOUT_MS = 60_000;

/** Removes this file's BullMQ and rate-limit keys from the shared Redis db. */
async function deleteKeys(app: INestApplication | undefined, pattern: string): Promise<void> {
  if (!app) return;
  const redis = app.get<Redis>(REDIS);
  for await (const keys of redis.scanStream({ match: pattern, count: 500 }) as AsyncIterable<
    string[]
  >) {
    if (keys.length > 0) await redis.del(...keys);
  }
}

const bearer = async (options: Parameters<typeof authHeader>[0]): Promise<string> =>
  (await authHeader(options)).replace(/^Bearer /, '');

/**
 * A platform user's whole journey through the SDK generated from openapi.json (regenerated here,
 * so it is exactly what an SDK user would get), and nothing else: no supertest, no hand-written
 * URL. The monitoring and the meta-Orchestrator use the same SDK with service-role tokens.
 */
describe('SDK scenario: the generated TypeScript client against the running service', () => {
  const generated = mkdtempSync(join(tmpdir(), 'nemo-sdk-'));
  let sdk: typeof Sdk;
  let createClient: typeof SdkClient.createClient;
  let app: NestExpressApplication;
  let worker: INestApplication;
  let user: Client;
  let monitoring: Client;
  let orchestrator: Client;
  let images: { app: string; init: string; cron: string };

  beforeAll(async () => {
    const registry = process.env.REGISTRY_HOST ?? '';
    const push = (name: string): Promise<{ reference: string }> =>
      pushTestImage(registry, `sdk-scenario/${RUN}/${name}`, '1.0');
    const [, api, pushed] = await Promise.all([
      generateClient(COMMITTED_OPENAPI, generated),
      startApi(ENV),
      Promise.all([push('app'), push('init'), push('cron')]),
    ]);
    app = api;
    images = { app: pushed[0].reference, init: pushed[1].reference, cron: pushed[2].reference };
    sdk = (await import(join(generated, 'index.ts'))) as typeof Sdk;
    ({ createClient } = (await import(join(generated, 'client', 'index.ts'))) as typeof SdkClient);
    await resetDatabase(app);
    worker = await startWorker({ config: ENV });
    const baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const [userToken, monitoringToken, orchestratorToken] = await Promise.all([
      bearer({ tenant: 'tenant-a', subject: 'alice' }),
      // Intent reports are tenant-scoped (the monitoring of tenant-a); instance status reports are
      // not (the platform's meta-Orchestrator): as the intent and instance modules implement them.
      bearer({ tenant: 'tenant-a', subject: 'monitoring', roles: ['service'] }),
      bearer({ tenant: 'platform', subject: 'meta-orchestrator', roles: ['service'] }),
    ]);
    user = createClient({ baseUrl, auth: () => userToken });
    monitoring = createClient({ baseUrl, auth: () => monitoringToken });
    orchestrator = createClient({ baseUrl, auth: () => orchestratorToken });
  });

  afterAll(async () => {
    await deleteKeys(app, `${ENV.redis.QUEUE_PREFIX}:*`);
    await worker?.close();
    await receiver.stop();
    await app?.close();
    rmSync(generated, { recursive: true, force: true });
  });

  let workloadId: number;
  let instanceId: string;
  let intentId: number;
  let targetId: number;
  const receiver = new WebhookReceiver();

  it('registers a workload document', async () => {
    const { data, response } = await sdk.workloadsCreate({
      client: user,
      body: { name: 'echo-server', version: '0.5.5', type: 'chart', ingress_support: true },
    });
    expect(response?.status).toBe(201);
    expect(data).toMatchObject({
      name: 'echo-server',
      version: '0.5.5',
      type: 'chart',
      status: 'pending',
    });
    workloadId = data?.id ?? 0;
  });

  it('answers a missing document with a typed problem+json error', async () => {
    const { error, response } = await sdk.workloadsGet({ client: user, path: { id: 999_999 } });
    expect(response?.status).toBe(404);
    expect(response?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(error).toMatchObject({ status: 404, code: expect.stringMatching(/not_found$/) });
  });

  it(
    'uploads the chart package (multipart, binary) and onboarding accepts it',
    async () => {
      const chart = goodChart(images, { name: 'echo-server', version: '0.5.5' });
      const upload = await sdk.workloadsUpload({
        client: user,
        path: { id: workloadId },
        body: { file: new File([chart], 'echo-server-0.5.5.tgz', { type: 'application/gzip' }) },
      });
      expect(upload.response?.status).toBe(202);
      expect(upload.data?.status).toBe('onboarding');

      const deadline = Date.now() + ONBOARDING_TIMEOUT_MS;
      let status = upload.data?.status;
      while (status === 'onboarding' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const { data } = await sdk.workloadsGet({ client: user, path: { id: workloadId } });
        status = data?.status;
        if (status === 'rejected')
          throw new Error(`onboarding rejected: ${data?.rejection_reason}`);
      }
      expect(status).toBe('accepted');
      const { data: page } = await sdk.workloadsList({
        client: user,
        query: { status: 'accepted' },
      });
      expect(page?.items.map((item) => item.id)).toEqual([workloadId]);
      expect(page?.meta).toMatchObject({ page: 1, total: 1 });
    },
    ONBOARDING_TIMEOUT_MS + 10_000,
  );

  it('creates an instance with an ingress and an intent', async () => {
    const { data, response, error } = await sdk.instancesCreate({
      client: user,
      path: { id: workloadId },
      body: {
        release_name: 'echo',
        ingress_enabled: true,
        intents: [
          {
            user_label: 'DeliverComputingWorkload',
            observation_period: 60,
            intent_expectations: [
              {
                expectation_verb: 'ENSURE',
                expectation_object: { object_type: 'NEMO_WORKLOAD' },
                expectation_targets: [
                  {
                    target_name: 'cpuUsage',
                    target_condition: 'IS_LESS_THAN',
                    target_value_range: 20,
                  },
                ],
              },
            ],
          },
        ],
      },
    });
    expect({ status: response?.status, error }).toEqual({ status: 201, error: undefined });
    expect(data).toMatchObject({
      status: 'rendered',
      ingress_enabled: true,
      workload_document_id: workloadId,
    });
    expect(data?.manifests.map((manifest) => manifest.kind)).toContain('Ingress');
    expect(data?.exposed_urls.length).toBeGreaterThan(0);
    instanceId = data?.instance_id ?? '';

    const { data: intents } = await sdk.intentsList({
      client: user,
      query: { object_instance: instanceId },
    });
    expect(intents?.items).toHaveLength(1);
    const intent = intents?.items[0];
    expect(intent?.intent_expectations[0].expectation_object).toMatchObject({
      object_type: 'NEMO_WORKLOAD',
      object_instance: instanceId,
    });
    intentId = intent?.id ?? 0;
    targetId = intent?.intent_expectations[0].expectation_targets[0].id ?? 0;
  });

  it("subscribes a webhook to the intent's report changes", async () => {
    await receiver.start();
    const { data, response } = await sdk.subscriptionsCreate({
      client: user,
      body: {
        callback_url: receiver.url('/reports'),
        events: ['intent.report.changed'],
        filter: { subject: String(intentId) },
      },
    });
    expect(response?.status).toBe(201);
    expect(data).toMatchObject({ status: 'active', events: ['intent.report.changed'] });
    receiver.expect('/reports', data?.secret ?? '');
    const { data: listed } = await sdk.subscriptionsList({ client: user });
    expect(listed?.items.map((item) => item.id)).toEqual([data?.id]);
  });

  it('takes the fulfilment report of the monitoring side (service role)', async () => {
    const { data, response } = await sdk.intentsReportFulfilment({
      client: monitoring,
      path: { id: intentId },
      body: { target_fulfilment_results: [{ target: targetId, target_achieved_value: 12.5 }] },
    });
    expect(response?.status).toBe(200);
    // Same tenant: the whole report (another tenant's reporter gets an acknowledgement only).
    if (!data || !('intent_fulfilment_report' in data)) throw new Error('expected the report');
    expect(data.intent_fulfilment_report.intent_fulfilment_info.fulfilment_status).toBe(
      'FULFILLED',
    );
    const { data: intent } = await sdk.intentsGet({ client: user, path: { id: intentId } });
    expect(
      intent?.intent_report_reference.intent_fulfilment_report.intent_fulfilment_info
        .fulfilment_status,
    ).toBe('FULFILLED');
  });

  it('tells the subscriber about the new report in a signed CloudEvent', async () => {
    await eventually(() => receiver.accepted('/reports').length === 1, 20000, 'the report webhook');
    const [delivery] = receiver.accepted('/reports');
    expect(delivery.signatureValid).toBe(true);
    expect(delivery.event).toMatchObject({
      specversion: '1.0',
      type: 'eu.nemo.intent.report.changed',
      subject: String(intentId),
    });
    expect(delivery.event.data).toMatchObject({
      intent_fulfilment_report: { intent_fulfilment_info: { fulfilment_status: 'FULFILLED' } },
    });
  });

  it('suspends and resumes the intent, and lists its report history', async () => {
    const path = { id: intentId };
    const suspended = await sdk.intentsUpdate({
      client: user,
      path,
      body: { intent_admin_state: 'DEACTIVATED' },
    });
    expect(suspended.response?.status).toBe(200);
    expect(suspended.data?.intent_admin_state).toBe('DEACTIVATED');
    expect(
      suspended.data?.intent_report_reference.intent_fulfilment_report.intent_fulfilment_info
        .not_fulfilled_state,
    ).toBe('SUSPENDED');
    const refused = await sdk.intentsUpdate({
      client: user,
      path,
      body: { intent_admin_state: 'PAUSED' as 'ACTIVATED' },
    });
    expect(refused.error).toMatchObject({
      status: 400,
      errors: [{ field: 'intent_admin_state' }],
    });

    const resumed = await sdk.intentsUpdate({
      client: user,
      path,
      body: { intent_admin_state: 'ACTIVATED' },
    });
    expect(resumed.data?.intent_admin_state).toBe('ACTIVATED');
    expect(
      resumed.data?.intent_report_reference.intent_feasibility_check_report?.feasibility_check_type,
    ).toBe('FEASIBLE');
    // Re-judged over the 60 s window: the 12.5 reported just before still counts.
    expect(
      resumed.data?.intent_report_reference.intent_fulfilment_report.intent_fulfilment_info
        .fulfilment_status,
    ).toBe('FULFILLED');

    const { data: history } = await sdk.intentsListReports({
      client: user,
      path,
      query: { limit: 10 },
    });
    expect(history?.items.map((entry) => entry.target_fulfilment_results)).toEqual([
      [{ target: targetId, target_achieved_value: 12.5 }],
    ]);
    expect(history?.meta.next_cursor).toBeNull();
  });

  it('upgrades the instance with If-Match, reads and diffs its revisions, and rolls back', async () => {
    const path = { instance_id: instanceId };
    const before = await sdk.instancesGet({ client: user, path });
    expect(before.response?.headers.get('etag')).toBe('"1"');
    const upgraded = await sdk.instancesUpdate({
      client: user,
      path,
      headers: { 'If-Match': '"1"' },
      body: { values: { replicaCount: 2 } },
    });
    expect(upgraded.response?.status).toBe(200);
    expect(upgraded.response?.headers.get('etag')).toBe('"2"');
    expect(upgraded.data).toMatchObject({ instance_id: instanceId, revision: 2 });

    const stale = await sdk.instancesUpdate({
      client: user,
      path,
      headers: { 'If-Match': '"1"' },
      body: { values: { replicaCount: 3 } },
    });
    expect(stale.response?.status).toBe(412);
    expect(stale.error).toMatchObject({ status: 412, code: 'revision_mismatch' });

    const { data: revisions } = await sdk.instancesListRevisions({ client: user, path });
    expect(revisions?.items.map((item) => [item.revision, item.origin])).toEqual([
      [2, 'upgrade'],
      [1, 'create'],
    ]);
    const { data: diff } = await sdk.instancesDiffRevisions({
      client: user,
      path: { ...path, revision: 2 },
    });
    expect(diff).toMatchObject({ revision: 2, against: 1, changed: 1 });
    expect(diff?.changes[0].patch).toEqual([{ op: 'replace', path: '/spec/replicas', value: 2 }]);

    const rolled = await sdk.instancesRollback({ client: user, path, body: { revision: 1 } });
    expect(rolled.response?.status).toBe(200);
    expect(rolled.data).toMatchObject({ revision: 3, status: 'rendered' });
    expect(rolled.data?.manifests).toEqual(before.data?.manifests);
    const again = await sdk.instancesRollback({ client: user, path, body: { revision: 3 } });
    expect(again.error).toMatchObject({ status: 409, code: 'already_at_revision' });
  });

  it('follows the deployment reported by the meta-Orchestrator, then deletes the instance', async () => {
    const deployed = await sdk.instancesReportStatus({
      client: orchestrator,
      path: { instance_id: instanceId },
      body: { status: 'deployed', cluster_name: 'k3s-cluster' },
    });
    expect(deployed.response?.status).toBe(200);
    // The platform's orchestrator is in no tenant of the instance: an acknowledgement, no instance.
    expect(Object.keys(deployed.data ?? {}).sort()).toEqual([
      'instance_id',
      'status',
      'updated_at',
    ]);
    expect(deployed.data).toMatchObject({ instance_id: instanceId, status: 'deployed' });

    const deleting = await sdk.instancesDelete({ client: user, path: { instance_id: instanceId } });
    expect(deleting.response?.status).toBe(202);
    expect(deleting.data?.status).toBe('deleting');

    await sdk.instancesReportStatus({
      client: orchestrator,
      path: { instance_id: instanceId },
      body: { status: 'deleted' },
    });
    const { data } = await sdk.instancesGet({ client: user, path: { instance_id: instanceId } });
    expect(data?.status).toBe('deleted');
    const { data: intent } = await sdk.intentsGet({ client: user, path: { id: intentId } });
    expect(intent?.intent_admin_state).toBe('DEACTIVATED');
    expect(
      intent?.intent_report_reference.intent_fulfilment_report.intent_fulfilment_info
        .not_fulfilled_reasons,
    ).toEqual([`deactivated: workload instance ${instanceId} was deleted`]);
  });
});
