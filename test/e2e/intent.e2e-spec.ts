import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { IntentObject, IntentReport } from '../../src/contract';
import { IntentService } from '../../src/intent/intent.service';
import { startApi, resetDatabase } from '../support/app';
import { authHeader } from '../support/auth';
import {
  deliverComputingWorkloadBody,
  federatedLearningBody,
  intentBody,
  SEED_INTENT_NOTIFY,
  SEED_RUN_INTENT,
  shapeOf,
} from '../factories/intent.factory';

const MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const W1 = 'e4708935-c65b-4159-9c81-8e33524ca1e7';
const W2 = '936623ae-8969-4d73-8c04-527d1cb815ac';
const W3 = '5ce430d6-28d7-4775-b60b-17991e72c842';
const W4 = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const FOREIGN = '11111111-2222-3333-4444-555555555555';

/** Object instances "owned" by tenants, as the instance module's resolver would answer. */
const OWNERS = new Map([
  [W1, 'tenant-a'],
  [W2, 'tenant-a'],
  [W3, 'tenant-a'],
  [W4, 'tenant-a'],
  [FOREIGN, 'tenant-b'],
]);

describe('Intents (e2e, real database)', () => {
  let app: NestExpressApplication;
  let http: ReturnType<typeof request>;
  let dataSource: DataSource;
  let writer: string;
  let reader: string;
  let service: string;
  let otherTenant: string;
  let admin: string;

  beforeAll(async () => {
    app = await startApi();
    await resetDatabase(app);
    http = request(app.getHttpServer());
    dataSource = app.get(DataSource);
    app
      .get(IntentService)
      .registerObjectResolver('NEMO_WORKLOAD', async (_manager, principal, instance) => {
        // W4 answers slowly, so that concurrent checks on it overlap
        if (instance === W4) await new Promise((resolve) => setTimeout(resolve, 200));
        return OWNERS.get(instance) === principal.tenant;
      });
    [writer, reader, service, otherTenant, admin] = await Promise.all([
      authHeader(),
      authHeader({ roles: ['reader'] }),
      authHeader({ subject: 'monitoring', roles: ['service'] }),
      authHeader({ tenant: 'tenant-b' }),
      authHeader({ tenant: 'ops', roles: ['admin'] }),
    ]);
  });

  afterAll(async () => {
    await app.close();
  });

  const create = async (body: object, auth = writer): Promise<IntentObject> =>
    (await http.post('/api/v1/intents').set('Authorization', auth).send(body).expect(201))
      .body as IntentObject;

  const feasibility = (intent: IntentObject) =>
    intent.intent_report_reference.intent_feasibility_check_report;

  const notifications = async (intentId: number): Promise<IntentObject[]> => {
    const rows: Array<{ body: string }> = await dataSource.query(
      `SELECT body FROM outbox_message WHERE routing_key = 'intent-notify' AND aggregate_id = $1 ORDER BY id`,
      [String(intentId)],
    );
    return rows.map((row) => JSON.parse(row.body) as IntentObject);
  };

  describe('templates', () => {
    it('lists the intent types with their targets', async () => {
      const res = await http
        .get('/api/v1/intent-templates')
        .set('Authorization', reader)
        .expect(200);
      expect(res.body.version).toBe(1);
      const labels = res.body.items.map((t: { user_label: string }) => t.user_label);
      expect(labels).toEqual(['DeliverComputingWorkload', 'FederatedLearning']);
      expect(res.body.items[0].targets[0]).toEqual({
        target_name: 'cpuUsage',
        description: 'CPU usage of the workload instance.',
        value_type: 'number',
        unit: '%',
        minimum: 0,
        maximum: 100,
        allowed_conditions: expect.arrayContaining(['IS_LESS_THAN', 'IS_WITHIN_RANGE']),
        default_condition: 'IS_LESS_THAN',
        default_value_range: 80,
      });
      expect(res.body.items[1]).toMatchObject({
        expectation_verb: 'DELIVER',
        targets: [
          {
            target_name: 'clusterType',
            default_condition: 'IS_EQUAL_TO',
            default_value_range: 'FederatedLearning',
          },
        ],
      });
    });

    it('builds an intent from a template', async () => {
      const res = await http
        .post('/api/v1/intents/from-template/FederatedLearning')
        .set('Authorization', writer)
        .send({ object_instance: W3 })
        .expect(201);
      expect(shapeOf(res.body)).toEqual(shapeOf(SEED_INTENT_NOTIFY));
      expect(res.body.intent_expectations[0].expectation_targets[0]).toMatchObject({
        target_name: 'clusterType',
        target_condition: 'IS_EQUAL_TO',
        target_value_range: 'FederatedLearning',
      });
      expect(feasibility(res.body)).toMatchObject({ feasibility_check_type: 'FEASIBLE' });
      await http.delete(`/api/v1/intents/${res.body.id}`).set('Authorization', writer).expect(204);
    });

    it('answers 404 for an unknown template and 422 for a target it does not have', async () => {
      await http
        .post('/api/v1/intents/from-template/Teleportation')
        .set('Authorization', writer)
        .send({ object_instance: W3 })
        .expect(404);
      const res = await http
        .post('/api/v1/intents/from-template/DeliverComputingWorkload')
        .set('Authorization', writer)
        .send({
          object_instance: W3,
          targets: [{ target_name: 'clusterType', target_value_range: 'x' }],
        })
        .expect(422);
      expect(res.body.code).toBe('template_target_unknown');
      expect(res.body.errors).toEqual([
        {
          field: 'targets[0].target_name',
          reason: 'must be one of cpuUsage, ramUsage, energyEfficiency',
        },
      ]);
    });
  });

  describe('create', () => {
    it('serializes the seed FederatedLearning intent to exactly its shape, with database ids', async () => {
      const intent = await create(federatedLearningBody(W1));
      expect(shapeOf(intent)).toEqual(shapeOf(SEED_INTENT_NOTIFY));
      const [expectation] = intent.intent_expectations;
      const [target] = expectation.expectation_targets;
      const report = intent.intent_report_reference;
      expect(report.intent_fulfilment_report.intent_fulfilment_info).toEqual({
        fulfilment_status: 'NOT_FULFILLED',
        not_fulfilled_state: 'ACKNOWLEDGED',
        not_fulfilled_reasons: [],
      });
      expect(report.intent_fulfilment_report.expectation_fulfilment_results).toEqual([
        {
          expectation_fulfilment_info: {
            fulfilment_status: 'NOT_FULFILLED',
            not_fulfilled_state: 'ACKNOWLEDGED',
            not_fulfilled_reasons: [],
          },
          expectation_id: expectation.id,
          target_fulfilment_results: [
            {
              target: target.id,
              target_achieved_value: null,
              target_fulfilment_info: {
                fulfilment_status: 'NOT_FULFILLED',
                not_fulfilled_state: 'ACKNOWLEDGED',
                not_fulfilled_reasons: [],
              },
            },
          ],
        },
      ]);
      expect(feasibility(intent)).toEqual({
        id: expect.any(Number),
        feasibility_check_type: 'FEASIBLE',
        infeasibility_reason: null,
      });
      const [stored] = await dataSource.query(
        `SELECT to_char(last_updated_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t FROM intent_report WHERE intent_id = $1`,
        [intent.id],
      );
      expect(report.last_updated_time).toMatch(MICROS);
      expect(report.last_updated_time).toBe(stored.t);
      const [objectRow] = await dataSource.query(
        'SELECT id FROM expectation_object WHERE intent_id = $1',
        [intent.id],
      );
      expect(expectation.expectation_object.id).toBe(objectRow.id);
    });

    it('serializes the seed DeliverComputingWorkload intent (run example) to its shape', async () => {
      const intent = await create(deliverComputingWorkloadBody(W2));
      expect(shapeOf(intent.intent_expectations)).toEqual(
        shapeOf(SEED_RUN_INTENT.intent_expectations),
      );
      // the run example predates its report; the report has the intent-notify example's shape
      expect(shapeOf(intent.intent_report_reference)).toEqual(
        shapeOf(SEED_INTENT_NOTIFY.intent_report_reference),
      );
      expect(Object.keys(intent)).toEqual(Object.keys(SEED_RUN_INTENT));
      expect(intent.intent_expectations[0].expectation_targets[0].target_value_range).toBe(20);
    });

    it('records intent-notify with the full intent object for a FEASIBLE intent', async () => {
      const intent = await create(
        deliverComputingWorkloadBody(W3, [
          {
            target_name: 'ramUsage',
            target_condition: 'IS_WITHIN_RANGE',
            target_value_range: [10, 60],
          },
        ]),
      );
      expect(await notifications(intent.id)).toEqual([intent]);
    });

    it('keeps contexts at every level with their own ids', async () => {
      const context = {
        context_attribute: 'timeOfDay',
        context_condition: 'IS_WITHIN_RANGE',
        context_value_range: [8, 18],
      };
      const body = intentBody({
        object_instance: W3,
        targets: [
          {
            target_name: 'energyEfficiency',
            target_condition: 'IS_GREATER_THAN',
            target_value_range: 30,
            target_contexts: [context],
          },
        ],
      }) as {
        intent_expectations: Array<Record<string, Record<string, unknown> | unknown>>;
        intent_contexts: unknown[];
      };
      body.intent_contexts = [
        context,
        {
          ...context,
          context_attribute: 'region',
          context_condition: 'IS_ONE_OF',
          context_value_range: ['eu', 'us'],
        },
      ];
      body.intent_expectations[0].expectation_contexts = [context];
      (body.intent_expectations[0].expectation_object as Record<string, unknown>).object_contexts =
        [context];
      const intent = await create(body);
      const ids = [
        ...intent.intent_contexts,
        ...intent.intent_expectations[0].expectation_contexts,
        ...intent.intent_expectations[0].expectation_object.object_contexts,
        ...intent.intent_expectations[0].expectation_targets[0].target_contexts,
      ].map((c) => c.id);
      expect(new Set(ids).size).toBe(5);
      expect(intent.intent_contexts.map((c) => c.context_attribute)).toEqual([
        'timeOfDay',
        'region',
      ]);
      expect(intent.intent_expectations[0].expectation_targets[0].target_contexts).toEqual([
        { id: expect.any(Number), ...context },
      ]);
    });
  });

  describe('400 versus INFEASIBLE', () => {
    it('answers a syntactically invalid body with 400 and stores nothing', async () => {
      const before = await dataSource.query('SELECT count(*)::int AS n FROM intent');
      const bad = intentBody({ verb: 'WISH' as never });
      const res = await http
        .post('/api/v1/intents')
        .set('Authorization', writer)
        .send(bad)
        .expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toEqual([
        { field: 'intent_expectations[0].expectation_verb', reason: expect.any(String) },
      ]);
      const missing = intentBody() as {
        intent_expectations: Array<{ expectation_object: Record<string, unknown> }>;
      };
      delete missing.intent_expectations[0].expectation_object.object_instance;
      const res2 = await http
        .post('/api/v1/intents')
        .set('Authorization', writer)
        .send(missing)
        .expect(400);
      expect(res2.body.errors[0].field).toBe(
        'intent_expectations[0].expectation_object.object_instance',
      );
      expect(await dataSource.query('SELECT count(*)::int AS n FROM intent')).toEqual(before);
    });

    it.each([
      [
        'an unknown target',
        { target_name: 'latency', target_condition: 'IS_LESS_THAN', target_value_range: 5 },
        'target latency is not known for object type NEMO_WORKLOAD',
      ],
      [
        'IS_LESS_THAN on a string target',
        { target_name: 'clusterType', target_condition: 'IS_LESS_THAN', target_value_range: 'x' },
        'condition IS_LESS_THAN does not apply to string values',
      ],
      [
        'IS_WITHIN_RANGE with unordered bounds',
        {
          target_name: 'cpuUsage',
          target_condition: 'IS_WITHIN_RANGE',
          target_value_range: [80, 20],
        },
        'needs ordered bounds',
      ],
      [
        'IS_WITHIN_RANGE with one bound',
        { target_name: 'cpuUsage', target_condition: 'IS_WITHIN_RANGE', target_value_range: [80] },
        'needs two numeric bounds',
      ],
    ])('stores %s as INFEASIBLE with the reason, without notifying', async (_, target, reason) => {
      const intent = await create(intentBody({ object_instance: W3, targets: [target as never] }));
      expect(feasibility(intent)).toMatchObject({
        feasibility_check_type: 'INFEASIBLE',
        infeasibility_reason: expect.stringContaining(reason),
      });
      expect(await notifications(intent.id)).toEqual([]);
      await http.get(`/api/v1/intents/${intent.id}`).set('Authorization', reader).expect(200);
    });

    it('is INFEASIBLE on an object instance that is not the caller’s or does not exist', async () => {
      for (const instance of [FOREIGN, 'no-such-instance']) {
        const intent = await create(deliverComputingWorkloadBody(instance));
        expect(feasibility(intent)?.infeasibility_reason).toBe(
          `object instance ${instance} of type NEMO_WORKLOAD does not exist or does not belong to the caller`,
        );
      }
    });

    it('is INFEASIBLE when it contradicts another active intent on the same object', async () => {
      const low = await create(
        deliverComputingWorkloadBody(W2, [
          { target_name: 'cpuUsage', target_condition: 'IS_LESS_THAN', target_value_range: 10 },
        ]),
      );
      expect(feasibility(low)?.feasibility_check_type).toBe('FEASIBLE');
      const high = await create(
        deliverComputingWorkloadBody(W2, [
          { target_name: 'cpuUsage', target_condition: 'IS_GREATER_THAN', target_value_range: 50 },
        ]),
      );
      expect(feasibility(high)?.infeasibility_reason).toContain(
        `contradicts intent ${low.id}: cpuUsage IS_LESS_THAN 10`,
      );
      expect(await notifications(high.id)).toEqual([]);
      // an INFEASIBLE intent is not active: it does not block a later one
      const later = await create(
        deliverComputingWorkloadBody(W2, [
          { target_name: 'cpuUsage', target_condition: 'IS_GREATER_THAN', target_value_range: 5 },
        ]),
      );
      expect(feasibility(later)?.feasibility_check_type).toBe('FEASIBLE');
      await http.delete(`/api/v1/intents/${low.id}`).set('Authorization', writer).expect(204);
      await http.delete(`/api/v1/intents/${later.id}`).set('Authorization', writer).expect(204);
    });

    it('lets only one of two concurrent contradicting intents on an object pass', async () => {
      const bodies = [
        {
          target_name: 'cpuUsage',
          target_condition: 'IS_LESS_THAN' as const,
          target_value_range: 10,
        },
        {
          target_name: 'cpuUsage',
          target_condition: 'IS_GREATER_THAN' as const,
          target_value_range: 50,
        },
      ].map((target) => deliverComputingWorkloadBody(W4, [target]));
      const created = await Promise.all(bodies.map((body) => create(body)));
      const verdicts = created.map((intent) => feasibility(intent)?.feasibility_check_type).sort();
      expect(verdicts).toEqual(['FEASIBLE', 'INFEASIBLE']);
    });
  });

  describe('read, filter, update, delete', () => {
    let fl: IntentObject;
    let dcw: IntentObject;

    beforeAll(async () => {
      await resetDatabase(app);
      fl = await create(federatedLearningBody(W1));
      dcw = await create(deliverComputingWorkloadBody(W2));
      await create(federatedLearningBody(FOREIGN), otherTenant);
    });

    it('gets one intent, the same object the create answered', async () => {
      const res = await http
        .get(`/api/v1/intents/${fl.id}`)
        .set('Authorization', reader)
        .expect(200);
      expect(res.body).toEqual(fl);
    });

    it('pages and filters the tenant’s intents', async () => {
      const all = await http
        .get('/api/v1/intents?order=asc')
        .set('Authorization', reader)
        .expect(200);
      expect(all.body.items.map((i: IntentObject) => i.id)).toEqual([fl.id, dcw.id]);
      expect(all.body.meta).toEqual({
        page: 1,
        limit: 20,
        total: 2,
        total_pages: 1,
        count: 'exact',
        next_cursor: null,
      });
      const page2 = await http
        .get('/api/v1/intents?limit=1&page=2&order=asc')
        .set('Authorization', reader)
        .expect(200);
      expect(page2.body.items.map((i: IntentObject) => i.id)).toEqual([dcw.id]);
      expect(page2.body.meta.total_pages).toBe(2);
      const byLabel = await http
        .get('/api/v1/intents?user_label=FederatedLearning')
        .set('Authorization', reader)
        .expect(200);
      expect(byLabel.body.items).toEqual([fl]);
      const byObject = await http
        .get(`/api/v1/intents?object_instance=${W2}`)
        .set('Authorization', reader)
        .expect(200);
      expect(byObject.body.items.map((i: IntentObject) => i.id)).toEqual([dcw.id]);
      const fulfilled = await http
        .get('/api/v1/intents?fulfilment_status=FULFILLED')
        .set('Authorization', reader)
        .expect(200);
      expect(fulfilled.body.meta.total).toBe(0);
      await http
        .get('/api/v1/intents?fulfilment_status=MAYBE')
        .set('Authorization', reader)
        .expect(400);
    });

    it('keeps tenants apart: another tenant’s intent is a 404, admins see every tenant', async () => {
      await http.get(`/api/v1/intents/${fl.id}`).set('Authorization', otherTenant).expect(404);
      await http
        .patch(`/api/v1/intents/${fl.id}`)
        .set('Authorization', otherTenant)
        .send({ user_label: 'x' })
        .expect(404);
      await http.delete(`/api/v1/intents/${fl.id}`).set('Authorization', otherTenant).expect(404);
      await http
        .get(`/api/v1/intents/${fl.id}/report`)
        .set('Authorization', otherTenant)
        .expect(404);
      const theirs = await http
        .get('/api/v1/intents')
        .set('Authorization', otherTenant)
        .expect(200);
      expect(
        theirs.body.items.map(
          (i: IntentObject) => i.intent_expectations[0].expectation_object.object_instance,
        ),
      ).toEqual([FOREIGN]);
      const everything = await http.get('/api/v1/intents').set('Authorization', admin).expect(200);
      expect(everything.body.meta.total).toBe(3);
      await http.get('/api/v1/intents/abc').set('Authorization', reader).expect(400);
      // Only canonical int32 ids (openapi.json: int32, 1 … 2147483647); never a 500 from int4.
      for (const id of ['1e3', '0x10', '+16', '016', '16.0', '0', '2147483648']) {
        const answer = await http.get(`/api/v1/intents/${id}`).set('Authorization', reader);
        expect({ id, status: answer.status, errors: answer.body.errors }).toEqual({
          id,
          status: 400,
          errors: [{ field: 'id', reason: expect.any(String) }],
        });
      }
      await http.get('/api/v1/intents/2147483647').set('Authorization', reader).expect(404);
      for (const filter of ['2147483648', '1e3', '0x10'])
        await http
          .get(`/api/v1/instances?workload_document_id=${filter}`)
          .set('Authorization', reader)
          .expect(400);
    });

    it('refuses writes to readers', async () => {
      await http
        .post('/api/v1/intents')
        .set('Authorization', reader)
        .send(federatedLearningBody(W1))
        .expect(403);
      await http.delete(`/api/v1/intents/${fl.id}`).set('Authorization', reader).expect(403);
    });

    it('patches scalar fields, keeping ids, and notifies again', async () => {
      const res = await http
        .patch(`/api/v1/intents/${dcw.id}`)
        .set('Authorization', writer)
        .send({ observation_period: 30, intent_preemption_capability: 'TRUE' })
        .expect(200);
      expect(res.body).toMatchObject({
        observation_period: 30,
        intent_preemption_capability: 'TRUE',
      });
      expect(res.body.intent_expectations).toEqual(dcw.intent_expectations);
      expect(
        res.body.intent_report_reference.last_updated_time >
          dcw.intent_report_reference.last_updated_time,
      ).toBe(true);
      expect(await notifications(dcw.id)).toEqual([dcw, res.body]);
    });

    it('replaces expectations and targets on PATCH and checks feasibility again', async () => {
      const replaced = await http
        .patch(`/api/v1/intents/${dcw.id}`)
        .set('Authorization', writer)
        .send({
          intent_expectations: (
            deliverComputingWorkloadBody(W2, [
              {
                target_name: 'cpuUsage',
                target_condition: 'IS_WITHIN_RANGE',
                target_value_range: [10, 40],
              },
              { target_name: 'ramUsage', target_condition: 'IS_LESS_THAN', target_value_range: 70 },
            ]) as { intent_expectations: unknown[] }
          ).intent_expectations,
        })
        .expect(200);
      const body = replaced.body as IntentObject;
      const targets = body.intent_expectations[0].expectation_targets;
      expect(targets.map((t) => [t.target_name, t.target_value_range])).toEqual([
        ['cpuUsage', [10, 40]],
        ['ramUsage', 70],
      ]);
      expect(body.intent_expectations[0].id).not.toBe(dcw.intent_expectations[0].id);
      const results =
        body.intent_report_reference.intent_fulfilment_report.expectation_fulfilment_results;
      expect(results[0].expectation_id).toBe(body.intent_expectations[0].id);
      expect(results[0].target_fulfilment_results.map((r) => r.target)).toEqual(
        targets.map((t) => t.id),
      );
      expect(feasibility(body)?.id).toBe(feasibility(dcw)?.id);
      const [{ n }] = await dataSource.query(
        'SELECT count(*)::int AS n FROM expectation_target WHERE intent_id = $1',
        [dcw.id],
      );
      expect(n).toBe(2);

      const infeasible = await http
        .patch(`/api/v1/intents/${dcw.id}`)
        .set('Authorization', writer)
        .send({
          intent_expectations: (
            deliverComputingWorkloadBody(W2, [
              { target_name: 'cpuUsage', target_condition: 'IS_LESS_THAN', target_value_range: 10 },
              {
                target_name: 'cpuUsage',
                target_condition: 'IS_GREATER_THAN',
                target_value_range: 50,
              },
            ]) as { intent_expectations: unknown[] }
          ).intent_expectations,
        })
        .expect(200);
      expect(feasibility(infeasible.body)?.infeasibility_reason).toBe(
        `cpuUsage IS_LESS_THAN 10 contradicts cpuUsage IS_GREATER_THAN 50 of the same intent on NEMO_WORKLOAD ${W2}`,
      );
      expect(await notifications(dcw.id)).toHaveLength(3);
      await http
        .patch(`/api/v1/intents/${dcw.id}`)
        .set('Authorization', writer)
        .send({ observation_period: -1 })
        .expect(400);
    });

    it('deletes an intent with everything under it', async () => {
      const doomed = await create(deliverComputingWorkloadBody(W3));
      await http.delete(`/api/v1/intents/${doomed.id}`).set('Authorization', writer).expect(204);
      await http.get(`/api/v1/intents/${doomed.id}`).set('Authorization', reader).expect(404);
      await http.delete(`/api/v1/intents/${doomed.id}`).set('Authorization', writer).expect(404);
      for (const table of [
        'intent_expectation',
        'expectation_target',
        'intent_report',
        'target_fulfilment_result',
      ]) {
        const [{ n }] = await dataSource.query(
          `SELECT count(*)::int AS n FROM ${table} WHERE intent_id = $1`,
          [doomed.id],
        );
        expect([table, n]).toEqual([table, 0]);
      }
    });
  });

  describe('fulfilment reports', () => {
    let intent: IntentObject;
    let cpu: number;
    let ram: number;

    beforeAll(async () => {
      await resetDatabase(app);
      intent = await create(
        deliverComputingWorkloadBody(W2, [
          { target_name: 'cpuUsage', target_condition: 'IS_LESS_THAN', target_value_range: 20 },
          {
            target_name: 'ramUsage',
            target_condition: 'IS_WITHIN_RANGE',
            target_value_range: [10, 60],
          },
        ]),
      );
      [cpu, ram] = intent.intent_expectations[0].expectation_targets.map((t) => t.id);
    });

    const report = async (
      results: Array<{ target: number; target_achieved_value: unknown }>,
      expected = 200,
    ) =>
      http
        .put(`/api/v1/intents/${intent.id}/report`)
        .set('Authorization', service)
        .send({ target_fulfilment_results: results })
        .expect(expected);

    it('computes target, expectation and intent fulfilment from observed values', async () => {
      const partial = (await report([{ target: cpu, target_achieved_value: 12.5 }]))
        .body as IntentReport;
      const expectation = partial.intent_fulfilment_report.expectation_fulfilment_results[0];
      expect(expectation.target_fulfilment_results).toEqual([
        {
          target: cpu,
          target_achieved_value: 12.5,
          target_fulfilment_info: {
            fulfilment_status: 'FULFILLED',
            not_fulfilled_state: null,
            not_fulfilled_reasons: [],
          },
        },
        {
          target: ram,
          target_achieved_value: null,
          target_fulfilment_info: {
            fulfilment_status: 'NOT_FULFILLED',
            not_fulfilled_state: 'ACKNOWLEDGED',
            not_fulfilled_reasons: [],
          },
        },
      ]);
      expect(partial.intent_fulfilment_report.intent_fulfilment_info.not_fulfilled_state).toBe(
        'ACKNOWLEDGED',
      );
      expect(partial.last_updated_time > intent.intent_report_reference.last_updated_time).toBe(
        true,
      );

      const full = (await report([{ target: ram, target_achieved_value: 60 }]))
        .body as IntentReport;
      expect(full.intent_fulfilment_report.intent_fulfilment_info).toEqual({
        fulfilment_status: 'FULFILLED',
        not_fulfilled_state: null,
        not_fulfilled_reasons: [],
      });
      expect(
        full.intent_fulfilment_report.expectation_fulfilment_results[0].expectation_fulfilment_info
          .fulfilment_status,
      ).toBe('FULFILLED');
      expect(
        full.intent_fulfilment_report.expectation_fulfilment_results[0].target_fulfilment_results[0]
          .target_achieved_value,
      ).toBe(12.5);
      expect(full.last_updated_time > partial.last_updated_time).toBe(true);
      expect(full.id).toBe(intent.intent_report_reference.id);

      const filtered = await http
        .get('/api/v1/intents?fulfilment_status=FULFILLED')
        .set('Authorization', reader)
        .expect(200);
      expect(filtered.body.items.map((i: IntentObject) => i.id)).toEqual([intent.id]);
    });

    it('reports NOT_FULFILLED/DEGRADED with reasons when a value misses its condition', async () => {
      const res = (await report([{ target: cpu, target_achieved_value: 35 }])).body as IntentReport;
      expect(res.intent_fulfilment_report.intent_fulfilment_info).toEqual({
        fulfilment_status: 'NOT_FULFILLED',
        not_fulfilled_state: 'DEGRADED',
        not_fulfilled_reasons: [
          `expectation "1": target ${cpu} (cpuUsage): cpuUsage was 35 at ${res.last_updated_time} (within the last 60 s), expected IS_LESS_THAN 20`,
        ],
      });
      const read = await http
        .get(`/api/v1/intents/${intent.id}/report`)
        .set('Authorization', reader)
        .expect(200);
      expect(read.body).toEqual(res);
      const whole = await http
        .get(`/api/v1/intents/${intent.id}`)
        .set('Authorization', reader)
        .expect(200);
      expect(whole.body.intent_report_reference).toEqual(res);
      expect(await notifications(intent.id)).toHaveLength(1);
    });

    it("takes reports from a platform service of any tenant, but not from another tenant's writer", async () => {
      const platformService = await authHeader({
        subject: 'monitoring',
        tenant: 'platform',
        roles: ['service'],
      });
      await http
        .put(`/api/v1/intents/${intent.id}/report`)
        .set('Authorization', platformService)
        .send({ target_fulfilment_results: [{ target: cpu, target_achieved_value: 5 }] })
        .expect(200);
      await http
        .get(`/api/v1/intents/${intent.id}`)
        .set('Authorization', platformService)
        .expect(404);
      const foreignWriter = await authHeader({
        tenant: 'tenant-b',
        roles: ['writer'],
      });
      await http
        .put(`/api/v1/intents/${intent.id}/report`)
        .set('Authorization', foreignWriter)
        .send({ target_fulfilment_results: [{ target: cpu, target_achieved_value: 5 }] })
        .expect(403);
    });

    it('also takes the bare list of observed values', async () => {
      const res = await http
        .put(`/api/v1/intents/${intent.id}/report`)
        .set('Authorization', service)
        .send([{ target: cpu, target_achieved_value: 3 }])
        .expect(200);
      const targets = (res.body as IntentReport).intent_fulfilment_report
        .expectation_fulfilment_results[0].target_fulfilment_results;
      expect(targets.find((t) => t.target === cpu)?.target_achieved_value).toBe(3);
    });

    it('clears an observed value with null', async () => {
      const res = (
        await report([
          { target: cpu, target_achieved_value: null },
          { target: ram, target_achieved_value: null },
        ])
      ).body as IntentReport;
      expect(res.intent_fulfilment_report.intent_fulfilment_info.not_fulfilled_state).toBe(
        'ACKNOWLEDGED',
      );
      const [{ n }] = await dataSource.query(
        'SELECT count(*)::int AS n FROM target_fulfilment_result WHERE intent_id = $1 AND target_achieved_value IS NULL',
        [intent.id],
      );
      expect(n).toBe(2);
    });

    it('refuses targets of other intents, repeated targets, writers and INFEASIBLE intents', async () => {
      const res = await report(
        [
          { target: cpu, target_achieved_value: 1 },
          { target: cpu, target_achieved_value: 2 },
          { target: 999999, target_achieved_value: 1 },
        ],
        422,
      );
      expect(res.body.errors).toEqual([
        { field: 'target_fulfilment_results[1].target', reason: `target ${cpu} is reported twice` },
        {
          field: 'target_fulfilment_results[2].target',
          reason: '999999 is not a target of this intent',
        },
      ]);
      await report([{ target: cpu, target_achieved_value: [1, 2] }], 400);
      await http
        .put(`/api/v1/intents/${intent.id}/report`)
        .set('Authorization', writer)
        .send({ target_fulfilment_results: [{ target: cpu, target_achieved_value: 1 }] })
        .expect(403);
      const infeasible = await create(
        intentBody({
          object_instance: W3,
          targets: [
            { target_name: 'latency', target_condition: 'IS_LESS_THAN', target_value_range: 1 },
          ],
        }),
      );
      const target = infeasible.intent_expectations[0].expectation_targets[0].id;
      const conflict = await http
        .put(`/api/v1/intents/${infeasible.id}/report`)
        .set('Authorization', service)
        .send({ target_fulfilment_results: [{ target, target_achieved_value: 1 }] })
        .expect(409);
      expect(conflict.body.code).toBe('intent_infeasible');
    });
  });

  describe('OpenAPI', () => {
    it('documents every intent route with its operationId and the named enums', async () => {
      const doc = (await http.get('/api/docs-json').expect(200)).body as {
        paths: Record<string, Record<string, { operationId: string }>>;
        components: { schemas: Record<string, unknown> };
      };
      const ids = Object.values(doc.paths).flatMap((path) =>
        Object.values(path).map((op) => op.operationId),
      );
      expect(ids).toEqual(
        expect.arrayContaining([
          'intents_create',
          'intents_list',
          'intents_get',
          'intents_update',
          'intents_delete',
          'intents_report_fulfilment',
          'intents_list_reports',
          'intents_create_from_template',
          'intent_templates_list',
        ]),
      );
      for (const name of [
        'ExpectationVerb',
        'Condition',
        'FulfilmentStatus',
        'NotFulfilledState',
        'FeasibilityCheckType',
        'IntentAdminState',
        'ConflictType',
        'IntentResponse',
        'IntentReportEntryResponse',
      ]) {
        expect([name, doc.components.schemas[name] !== undefined]).toEqual([name, true]);
      }
    });
  });
});
