import { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppRole } from '../../src/auth/principal';
import { ADMIN_TENANT } from '../../src/auth/principal-mapper';
import { WorkloadInstance } from '../../src/instance/entities/workload-instance.entity';
import { intentBody } from '../factories/intent.factory';
import { resetDatabase, startApi } from '../support/app';
import { authHeader } from '../support/auth';

/**
 * Tenancy over every operation of the committed openapi.json, for two tenants and every role:
 * tenant A's rows (and the rows of an admin without a tenant) seen from tenant B and from tokens
 * that claim `tenant: "admin"`. For each caller and each operation, A's ids answer exactly like
 * unknown ids (status, content type and body, ids normalised), and no answer contains A's marker.
 * The one designed difference: the service role reports on every tenant's objects (the platform's
 * meta-Orchestrator and monitoring), and is answered with an acknowledgement that carries nothing
 * it did not send.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type Method = (typeof METHODS)[number];

interface Operation {
  operationId: string;
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content: Record<string, unknown> };
  security?: unknown[];
}

interface Route {
  key: string;
  method: Method;
  template: string;
  operation: Operation;
}

/** What an operation can point at: one tenant's rows, or ids nobody has. */
interface Targets {
  workload: number;
  instance: string;
  intent: number;
  target: number;
  workloadName: string;
  cluster: string;
  subscription: string;
}

const PUBLIC = new Set(['GET /healthz', 'GET /readyz']);
const REPORTS = new Set(['instances_report_status', 'intents_report_fulfilment']);
const ACKNOWLEDGEMENT_KEYS: Record<string, string[]> = {
  instances_report_status: ['instance_id', 'status', 'updated_at'],
  intents_report_fulfilment: ['intent_id', 'last_updated_time'],
};

/** A body that passes validation, so the tenancy rule (not the DTO) decides the answer. */
const BODIES: Record<string, (targets: Targets, serial: number) => unknown> = {
  workloads_create: (_, serial) => ({ name: `probe-${serial}`, version: '1.0.0', type: 'chart' }),
  workloads_upload: () => 'multipart',
  workloads_set_render_policy: () => ({ allowed_kinds: [] }),
  instances_create: () => ({ release_name: 'probe', values: {} }),
  instances_report_status: () => ({ status: 'deployed' }),
  instances_update: () => ({ values: { probe: true } }),
  instances_rollback: () => ({ revision: 1 }),
  clusters_put: () => ({ kubernetes_version: 'v1.28.3' }),
  intents_create: (targets) => intentBody({ object_instance: targets.instance }),
  intents_create_from_template: (targets) => ({
    object_instance: targets.instance,
    targets: [{ target_name: 'cpuUsage', target_value_range: 20 }],
  }),
  intents_update: () => ({ observation_period: 120 }),
  subscriptions_create: () => ({
    callback_url: 'http://127.0.0.1:9/probe',
    events: ['intent.created'],
  }),
  subscriptions_update: () => ({ status: 'paused' }),
  intents_report_fulfilment: (targets) => ({
    target_fulfilment_results: [{ target: targets.target, target_achieved_value: 1 }],
  }),
};
/** Operations whose body names a target (ids in paths and query filters are found in the document). */
const BODY_TARGETS = new Set([
  'intents_create',
  'intents_create_from_template',
  'intents_report_fulfilment',
]);
const QUERY_TARGETS: Record<string, (targets: Targets) => string | number> = {
  workload_document_id: (targets) => targets.workload,
  cluster_name: (targets) => targets.cluster,
  object_instance: (targets) => targets.instance,
  name: (targets) => targets.workloadName,
};

function pathFor(template: string, targets: Targets): string {
  return template
    .replace('{instance_id}', targets.instance)
    .replace('{user_label}', 'DeliverComputingWorkload')
    .replace('{revision}', '1')
    .replace('{name}', 'probe-cluster')
    .replace('/subscriptions/{id}', `/subscriptions/${targets.subscription}`)
    .replace(/\/(workloads|intents)\/\{id\}/, (_, resource: string) =>
      resource === 'workloads' ? `/workloads/${targets.workload}` : `/intents/${targets.intent}`,
    );
}

function queryFor(operation: Operation, targets: Targets): Record<string, string | number> {
  const query: Record<string, string | number> = {};
  for (const parameter of operation.parameters ?? []) {
    const value = QUERY_TARGETS[parameter.name];
    if (parameter.in === 'query' && value) query[parameter.name] = value(targets);
  }
  return query;
}

function pointsAtRows(route: Route): boolean {
  return (
    route.template.includes('{id}') ||
    route.template.includes('{instance_id}') ||
    BODY_TARGETS.has(route.operation.operationId) ||
    (route.operation.parameters ?? []).some((p) => p.in === 'query' && QUERY_TARGETS[p.name])
  );
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/;
const ID_KEY = /^(id|target|.*_id)$/;

/** The answer with the targets' ids replaced by their kind, row ids, times and request ids blanked. */
function normalise(text: string, targets: Targets): unknown {
  let replaced = text;
  for (const [kind, value] of Object.entries(targets)) {
    replaced = replaced.replace(
      new RegExp(`(?<![\\w-])${escape(String(value))}(?![\\w-])`, 'g'),
      `<${kind}>`,
    );
  }
  const blank = (value: unknown, key = ''): unknown => {
    if (key === 'request_id') return '<request>';
    if (Array.isArray(value)) return value.map((item) => blank(item));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, blank(v, k)]));
    }
    if (typeof value === 'number' && ID_KEY.test(key)) return '<row id>';
    if (typeof value === 'string' && ISO_TIME.test(value)) return '<time>';
    return value;
  };
  try {
    return blank(JSON.parse(replaced));
  } catch {
    return replaced;
  }
}

interface Caller {
  name: string;
  roles: AppRole[];
  header: string;
}

describe('Tenancy: every operation, two tenants, every role', () => {
  let app: NestExpressApplication;
  let http: ReturnType<typeof request>;
  let dataSource: DataSource;
  let routes: Route[];
  let callers: Caller[];
  let tenantA: Targets;
  let adminRows: Targets;
  let unknown: Targets;
  let writerA: string;
  let admin: string;
  const SECRET = `zq${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const TENANT_A = `a-${SECRET}`;
  const TENANT_B = `b-${randomUUID().slice(0, 8)}`;
  let serial = 0;

  const seedInstance = (workloadDocumentId: number, tenant: string): Promise<WorkloadInstance> =>
    dataSource.getRepository(WorkloadInstance).save({
      instanceId: randomUUID(),
      workloadDocumentId,
      releaseName: `rel-${SECRET}`,
      namespace: `ns-${SECRET}`,
      values: { note: SECRET },
      ingressEnabled: false,
      status: 'deployed',
      statusReason: `because ${SECRET}`,
      clusterName: `cl-${SECRET}`,
      manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${SECRET}` } }],
      exposedUrls: [`http://${SECRET}.example/`],
      owner: `owner-${SECRET}`,
      tenant,
    });

  /** A workload document, an instance of it and a feasible intent about the instance, as `owner`. */
  async function seedRows(owner: string, tenant: string, prefix: string): Promise<Targets> {
    const document = await http
      .post('/api/v1/workloads')
      .set('Authorization', owner)
      .send({
        name: `${prefix}-${SECRET}`,
        version: '1.0.0',
        type: 'chart',
        description: `private notes ${SECRET}`,
      })
      .expect(201);
    const instance = await seedInstance(document.body.id, tenant);
    const intent = await http
      .post('/api/v1/intents')
      .set('Authorization', owner)
      .send(
        intentBody({
          object_instance: instance.instanceId,
          extra: {
            intent_contexts: [
              {
                context_attribute: `attr-${SECRET}`,
                context_condition: 'IS_EQUAL_TO',
                context_value_range: SECRET,
              },
            ],
          },
        }),
      )
      .expect(201);
    expect(
      intent.body.intent_report_reference.intent_feasibility_check_report.feasibility_check_type,
    ).toBe('FEASIBLE');
    const subscription = await http
      .post('/api/v1/subscriptions')
      .set('Authorization', owner)
      .send({
        callback_url: `http://127.0.0.1:9/hook-${SECRET}`,
        events: ['intent.changed'],
        filter: { subject: `s-${SECRET}` },
      })
      .expect(201);
    return {
      subscription: subscription.body.id,
      workload: document.body.id,
      instance: instance.instanceId,
      intent: intent.body.id,
      target: intent.body.intent_expectations[0].expectation_targets[0].id,
      workloadName: `${prefix}-${SECRET}`,
      cluster: `cl-${SECRET}`,
    };
  }

  /** Fresh per comparison: an intent about an unknown instance must not meet an earlier one. */
  const unknownTargets = (): Targets => ({
    workload: 1_999_999,
    instance: randomUUID(),
    intent: 1_999_998,
    target: 1_999_997,
    workloadName: 'wl-nobody',
    cluster: 'cl-nobody',
    subscription: randomUUID(),
  });

  /**
   * Intents a caller creates about foreign or unknown objects are its own; they go again at once,
   * so a later list or filter of that caller compares like with like.
   */
  async function call(route: Route, caller: Caller, targets: Targets): Promise<request.Response> {
    const answer = await send(route, caller, targets);
    const operation = route.operation.operationId;
    const collection = operation.startsWith('intents_create')
      ? 'intents'
      : operation === 'subscriptions_create'
        ? 'subscriptions'
        : undefined;
    if (collection && answer.status === 201)
      await http
        .delete(`/api/v1/${collection}/${answer.body.id}`)
        .set('Authorization', caller.header)
        .expect(204);
    return answer;
  }

  function send(route: Route, caller: Caller, targets: Targets): request.Test {
    const call = http[route.method](pathFor(route.template, targets))
      .query(queryFor(route.operation, targets))
      .set('Authorization', caller.header);
    const body = BODIES[route.operation.operationId]?.(targets, ++serial);
    if (body === 'multipart')
      return call.attach('file', Buffer.from('not a chart'), 'probe-1.0.0.tgz');
    return body === undefined ? call : call.send(body as object);
  }

  beforeAll(async () => {
    app = await startApi();
    await resetDatabase(app);
    http = request(app.getHttpServer());
    dataSource = app.get(DataSource);
    // Row ids far from small numbers, so replacing them in answers cannot hit other digits.
    const offsets = { workload_document: 700_000, intent: 800_000, expectation_target: 900_000 };
    for (const [table, offset] of Object.entries(offsets))
      await dataSource.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), $2)`, [
        table,
        offset,
      ]);

    const document = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8'));
    routes = Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(
      ([template, item]) =>
        METHODS.filter((method) => item[method]).map((method) => ({
          key: `${method.toUpperCase()} ${template.replace('/api/v1', '')}`,
          method,
          template,
          operation: item[method],
        })),
    );
    routes = routes.filter((route) => !PUBLIC.has(route.key));

    writerA = await authHeader({ subject: `alice-${SECRET}`, tenant: TENANT_A, roles: ['writer'] });
    admin = await authHeader({ subject: `root-${SECRET}`, tenant: null, roles: ['admin'] });
    tenantA = await seedRows(writerA, TENANT_A, 'wl');
    adminRows = await seedRows(admin, ADMIN_TENANT, 'adm');
    unknown = unknownTargets();

    const roleSets: Array<[string, AppRole[]]> = [
      ['reader', ['reader']],
      ['writer', ['writer']],
      ['service', ['service']],
      ['none', []],
    ];
    callers = [];
    for (const tenant of [TENANT_B, 'admin']) {
      for (const [name, roles] of roleSets) {
        callers.push({
          name: `${name}@${tenant}`,
          roles,
          header: await authHeader({ subject: `${name}-${tenant}`, tenant, roles }),
        });
      }
    }
  });

  afterAll(async () => {
    await app.close();
  });

  it('stores the rows of an admin without a tenant under the sentinel, outside every claim', async () => {
    const [row] = await dataSource.query('SELECT tenant FROM workload_document WHERE id = $1', [
      adminRows.workload,
    ]);
    expect(row.tenant).toBe(ADMIN_TENANT);
    const [intent] = await dataSource.query('SELECT tenant FROM intent WHERE id = $1', [
      adminRows.intent,
    ]);
    expect(intent.tenant).toBe(ADMIN_TENANT);
    const forged = await http
      .get('/api/v1/workloads')
      .set('Authorization', await authHeader({ tenant: ADMIN_TENANT, roles: ['reader'] }))
      .expect(403);
    expect(forged.body.code).toBe('tenant_invalid');
  });

  it('gives every write operation of the document a body here (a new route must join this test)', () => {
    const missing = routes
      .filter((route) => route.operation.requestBody && !BODIES[route.operation.operationId])
      .map((route) => route.key);
    expect(missing).toEqual([]);
    expect(routes.length).toBeGreaterThanOrEqual(21);
    expect(routes.every((route) => (route.operation.security ?? []).length > 0)).toBe(true);
  });

  it.each([
    ['tenant A', () => tenantA],
    ['an admin without a tenant', () => adminRows],
  ])(
    "answers %s's ids exactly like unknown ids, and leaks none of its data",
    async (_, foreignRows) => {
      const foreign = foreignRows();
      const differences: string[] = [];
      const leaks: string[] = [];
      for (const caller of callers) {
        for (const route of routes) {
          const label = `${route.key} as ${caller.name}`;
          const answer = await call(route, caller, foreign);
          if (answer.text.includes(SECRET)) leaks.push(`${label} → ${answer.status}`);
          if (!pointsAtRows(route)) continue;
          const unknownIds = unknownTargets();
          const reference = await call(route, caller, unknownIds);
          if (reference.text.includes(SECRET)) leaks.push(`${label} (unknown ids)`);
          const reports = REPORTS.has(route.operation.operationId);
          if (reports && caller.roles.includes('service')) {
            const keys = ACKNOWLEDGEMENT_KEYS[route.operation.operationId];
            if (answer.status !== 200 || Object.keys(answer.body).sort().join() !== keys.join())
              differences.push(`${label}: ${answer.status} ${answer.text} is no acknowledgement`);
            if (reference.status !== 404)
              differences.push(`${label}: unknown → ${reference.status}`);
            continue;
          }
          const seen = {
            status: answer.status,
            type: answer.headers['content-type'],
            body: normalise(answer.text, foreign),
          };
          const expected = {
            status: reference.status,
            type: reference.headers['content-type'],
            body: normalise(reference.text, unknownIds),
          };
          if (JSON.stringify(seen) !== JSON.stringify(expected))
            differences.push(`${label}: ${JSON.stringify(seen)} ≠ ${JSON.stringify(expected)}`);
        }
      }
      expect(leaks).toEqual([]);
      expect(differences).toEqual([]);
    },
    // every route × 8 callers × 2 calls: ≈55 s on a loaded 2-core machine, more with each route
    180_000,
  );

  it('answers a foreign reporter with wrong targets exactly like an unknown intent', async () => {
    const service = callers.find((caller) => caller.name === `service@${TENANT_B}`) as Caller;
    const body = { target_fulfilment_results: [{ target: 1_999_997, target_achieved_value: 1 }] };
    const foreign = await http
      .put(`/api/v1/intents/${tenantA.intent}/report`)
      .set('Authorization', service.header)
      .send(body);
    const reference = await http
      .put(`/api/v1/intents/${unknown.intent}/report`)
      .set('Authorization', service.header)
      .send(body);
    expect(foreign.status).toBe(404);
    expect(normalise(foreign.text, tenantA)).toEqual(normalise(reference.text, unknown));
  });

  it("refuses a foreign reporter's illegal transition without naming the instance's status", async () => {
    const service = callers.find((caller) => caller.name === `service@${TENANT_B}`) as Caller;
    const res = await http
      .put(`/api/v1/instances/${tenantA.instance}/status`)
      .set('Authorization', service.header)
      .send({ status: 'deleted' })
      .expect(409);
    expect(res.body.code).toBe('illegal_status_transition');
    expect(res.text).not.toMatch(/deployed|deploying|rendered|failed/);
    expect(res.text).not.toContain(SECRET);
  });

  it("keeps tenant A's and the admin's rows intact, and whole for their owners", async () => {
    for (const [owner, rows] of [
      [writerA, tenantA],
      [admin, adminRows],
    ] as const) {
      const document = await http
        .get(`/api/v1/workloads/${rows.workload}`)
        .set('Authorization', owner)
        .expect(200);
      expect(document.body.description).toContain(SECRET);
      const instance = await http
        .get(`/api/v1/instances/${rows.instance}`)
        .set('Authorization', owner)
        .expect(200);
      expect(instance.body.status).toBe('deployed');
      expect(instance.body.manifests[0].metadata.name).toBe(`cm-${SECRET}`);
      expect(instance.body.intents.map((intent: { id: number }) => intent.id)).toEqual([
        rows.intent,
      ]);
      const intent = await http
        .get(`/api/v1/intents/${rows.intent}`)
        .set('Authorization', owner)
        .expect(200);
      expect(intent.body.observation_period).toBe(60);
      const subscription = await http
        .get(`/api/v1/subscriptions/${rows.subscription}`)
        .set('Authorization', owner)
        .expect(200);
      expect(subscription.body).toMatchObject({
        status: 'active',
        callback_url: `http://127.0.0.1:9/hook-${SECRET}`,
      });
    }
  });

  it("gives the same tenant's reporter and admins the whole answer", async () => {
    const serviceA = await authHeader({ tenant: TENANT_A, roles: ['service'] });
    for (const header of [serviceA, admin]) {
      const status = await http
        .put(`/api/v1/instances/${tenantA.instance}/status`)
        .set('Authorization', header)
        .send({ status: 'deployed' })
        .expect(200);
      expect(status.body.manifests).toEqual([
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${SECRET}` } },
      ]);
      const report = await http
        .put(`/api/v1/intents/${tenantA.intent}/report`)
        .set('Authorization', header)
        .send([{ target: tenantA.target, target_achieved_value: 3 }])
        .expect(200);
      expect(report.body.intent_fulfilment_report.intent_fulfilment_info.fulfilment_status).toBe(
        'FULFILLED',
      );
    }
  });
});
