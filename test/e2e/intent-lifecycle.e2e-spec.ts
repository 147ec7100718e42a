import { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { IntentObject, IntentReport } from '../../src/contract';
import { WorkloadInstance } from '../../src/instance/entities/workload-instance.entity';
import { eventSchemaErrors } from '../support/event-schema';
import { resetDatabase, startApi } from '../support/app';
import { authHeader } from '../support/auth';
import { intentBody, TargetBody } from '../factories/intent.factory';

const CPU_BELOW_20: TargetBody = {
  target_name: 'cpuUsage',
  target_condition: 'IS_LESS_THAN',
  target_value_range: 20,
};
const CPU_ABOVE_50: TargetBody = {
  ...CPU_BELOW_20,
  target_condition: 'IS_GREATER_THAN',
  target_value_range: 50,
};

/** Small, so that the cap on conflict reports is reached with a handful of intents. */
const MAX_CONFLICT_REPORTS = 2;

describe('Intent lifecycle: admin state, observation window, history, conflicts (real services)', () => {
  let app: NestExpressApplication;
  let http: ReturnType<typeof request>;
  let dataSource: DataSource;
  let writer: string;
  let service: string;
  let documentId: number;

  beforeAll(async () => {
    app = await startApi({ intent: { INTENT_MAX_CONFLICT_REPORTS: MAX_CONFLICT_REPORTS } });
    await resetDatabase(app);
    http = request(app.getHttpServer());
    dataSource = app.get(DataSource);
    [writer, service] = await Promise.all([
      authHeader(),
      authHeader({ subject: 'monitoring', roles: ['service'] }),
    ]);
    const document = await http
      .post('/api/v1/workloads')
      .set('Authorization', writer)
      .send({ name: 'lifecycle', version: '1.0.0', type: 'chart' })
      .expect(201);
    documentId = document.body.id;
  });

  afterAll(async () => {
    await app.close();
  });

  /** A live instance of the caller's tenant, stored as the orchestrator would have left it. */
  const seedInstance = async (): Promise<string> => {
    const instance = await dataSource.getRepository(WorkloadInstance).save({
      instanceId: randomUUID(),
      workloadDocumentId: documentId,
      releaseName: `rel-${randomUUID().slice(0, 8)}`,
      namespace: null,
      values: {},
      ingressEnabled: false,
      status: 'deployed',
      statusReason: null,
      clusterName: 'k3s-cluster',
      manifests: [],
      exposedUrls: [],
      owner: 'user-tenant-a',
      tenant: 'tenant-a',
    });
    return instance.instanceId;
  };

  const create = async (body: object): Promise<IntentObject> =>
    (await http.post('/api/v1/intents').set('Authorization', writer).send(body).expect(201))
      .body as IntentObject;

  const patch = async (id: number, body: object): Promise<IntentObject> =>
    (await http.patch(`/api/v1/intents/${id}`).set('Authorization', writer).send(body).expect(200))
      .body as IntentObject;

  const get = async (id: number): Promise<IntentObject> =>
    (await http.get(`/api/v1/intents/${id}`).set('Authorization', writer).expect(200))
      .body as IntentObject;

  const report = async (
    id: number,
    values: Array<[number, number | null]>,
  ): Promise<IntentReport> =>
    (
      await http
        .put(`/api/v1/intents/${id}/report`)
        .set('Authorization', service)
        .send(values.map(([target, value]) => ({ target, target_achieved_value: value })))
        .expect(200)
    ).body as IntentReport;

  const targetOf = (intent: IntentObject): number =>
    intent.intent_expectations[0].expectation_targets[0].id;
  const fulfilment = (r: IntentReport) => r.intent_fulfilment_report.intent_fulfilment_info;
  const feasibility = (intent: IntentObject) =>
    intent.intent_report_reference.intent_feasibility_check_report?.feasibility_check_type;

  const notifications = async (intentId: number): Promise<IntentObject[]> => {
    const rows: Array<{ body: string }> = await dataSource.query(
      `SELECT body FROM outbox_message WHERE routing_key = 'intent-notify' AND aggregate_id = $1 ORDER BY id`,
      [String(intentId)],
    );
    return rows.map((row) => JSON.parse(row.body) as IntentObject);
  };

  describe('admin state', () => {
    it('refuses an admin state outside the enum with a problem naming the field', async () => {
      const object = await seedInstance();
      const res = await http
        .post('/api/v1/intents')
        .set('Authorization', writer)
        .send(intentBody({ object_instance: object, extra: { intent_admin_state: 'PAUSED' } }))
        .expect(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors).toEqual([
        { field: 'intent_admin_state', reason: expect.stringContaining('ACTIVATED, DEACTIVATED') },
      ]);
      const intent = await create(intentBody({ object_instance: object }));
      const patched = await http
        .patch(`/api/v1/intents/${intent.id}`)
        .set('Authorization', writer)
        .send({ intent_admin_state: 'deactivated' })
        .expect(400);
      expect(patched.body.errors.map((e: { field: string }) => e.field)).toEqual([
        'intent_admin_state',
      ]);
      expect((await get(intent.id)).intent_admin_state).toBe('ACTIVATED');
    });

    it('suspends: data kept, SUSPENDED everywhere, reports kept without changing fulfilment, nothing published', async () => {
      const object = await seedInstance();
      const intent = await create(intentBody({ object_instance: object }));
      expect(intent.intent_admin_state).toBe('ACTIVATED');
      expect(Object.keys(intent).at(-1)).toBe('intent_admin_state');
      await report(intent.id, [[targetOf(intent), 5]]);

      const suspended = await patch(intent.id, { intent_admin_state: 'DEACTIVATED' });
      expect(suspended.intent_admin_state).toBe('DEACTIVATED');
      expect(suspended.intent_expectations).toEqual(intent.intent_expectations);
      const results = suspended.intent_report_reference.intent_fulfilment_report;
      expect(results.intent_fulfilment_info).toEqual({
        fulfilment_status: 'NOT_FULFILLED',
        not_fulfilled_state: 'SUSPENDED',
        not_fulfilled_reasons: ['the intent is DEACTIVATED (intent_admin_state)'],
      });
      const [target] = results.expectation_fulfilment_results[0].target_fulfilment_results;
      expect(target.target_fulfilment_info.not_fulfilled_state).toBe('SUSPENDED');
      expect(target.target_achieved_value).toBe(5);
      expect(await notifications(intent.id)).toHaveLength(1);

      const during = await report(intent.id, [[targetOf(intent), 99]]);
      expect(fulfilment(during).not_fulfilled_state).toBe('SUSPENDED');
      expect(
        during.intent_fulfilment_report.expectation_fulfilment_results[0]
          .target_fulfilment_results[0].target_achieved_value,
      ).toBe(5);
      const history = await http
        .get(`/api/v1/intents/${intent.id}/reports`)
        .set('Authorization', writer)
        .expect(200);
      expect(
        history.body.items.map((e: { intent_admin_state: string }) => e.intent_admin_state),
      ).toEqual(['DEACTIVATED', 'ACTIVATED']);
      expect(history.body.items[0].target_fulfilment_results).toEqual([
        { target: targetOf(intent), target_achieved_value: 99 },
      ]);
      const filtered = await http
        .get('/api/v1/intents?fulfilment_status=FULFILLED')
        .set('Authorization', writer)
        .expect(200);
      expect(filtered.body.items.map((i: IntentObject) => i.id)).not.toContain(intent.id);
    });

    it('resumes: feasibility and the window judged again, a feasible resume published with the admin state last', async () => {
      const object = await seedInstance();
      const intent = await create(
        intentBody({ object_instance: object, extra: { intent_admin_state: 'DEACTIVATED' } }),
      );
      expect(fulfilment(intent.intent_report_reference).not_fulfilled_state).toBe('SUSPENDED');
      expect(await notifications(intent.id)).toEqual([]);

      const resumed = await patch(intent.id, { intent_admin_state: 'ACTIVATED' });
      expect(resumed.intent_admin_state).toBe('ACTIVATED');
      expect(feasibility(resumed)).toBe('FEASIBLE');
      expect(fulfilment(resumed.intent_report_reference)).toEqual({
        fulfilment_status: 'NOT_FULFILLED',
        not_fulfilled_state: 'ACKNOWLEDGED',
        not_fulfilled_reasons: [],
      });
      const [event] = await notifications(intent.id);
      expect(event).toEqual(resumed);
      expect(Object.keys(event).at(-1)).toBe('intent_admin_state');
      expect(eventSchemaErrors('intent-notify', event)).toEqual([]);
    });

    it('takes no part in contradiction checks while DEACTIVATED; resuming into a contradiction is INFEASIBLE and unpublished', async () => {
      const object = await seedInstance();
      const low = await create(intentBody({ object_instance: object, targets: [CPU_BELOW_20] }));
      await patch(low.id, { intent_admin_state: 'DEACTIVATED' });
      const high = await create(intentBody({ object_instance: object, targets: [CPU_ABOVE_50] }));
      expect(feasibility(high)).toBe('FEASIBLE');
      expect(high.intent_report_reference.intent_conflict_reports).toEqual([]);

      const resumed = await patch(low.id, { intent_admin_state: 'ACTIVATED' });
      expect(feasibility(resumed)).toBe('INFEASIBLE');
      expect(resumed.intent_report_reference.intent_conflict_reports).toHaveLength(1);
      expect(await notifications(low.id)).toHaveLength(1);
    });
  });

  describe('observation window and history', () => {
    it('judges a target over the values of the last observation_period seconds', async () => {
      const object = await seedInstance();
      const intent = await create(
        intentBody({ object_instance: object, extra: { observation_period: 2 } }),
      );
      const cpu = targetOf(intent);
      expect(fulfilment(await report(intent.id, [[cpu, 5]])).fulfilment_status).toBe('FULFILLED');
      const missed = await report(intent.id, [[cpu, 35]]);
      expect(fulfilment(missed).not_fulfilled_state).toBe('DEGRADED');
      // 35 is still in the window: a good value alone does not fulfil the target yet
      const stillMissed = await report(intent.id, [[cpu, 5]]);
      expect(fulfilment(stillMissed).not_fulfilled_state).toBe('DEGRADED');
      expect(fulfilment(stillMissed).not_fulfilled_reasons[0]).toContain(
        `cpuUsage was 35 at ${missed.last_updated_time} (within the last 2 s)`,
      );
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect(fulfilment(await report(intent.id, [[cpu, 6]])).fulfilment_status).toBe('FULFILLED');
      await new Promise((resolve) => setTimeout(resolve, 2100));
      // nothing observed in the window: the resume re-judges and says so
      await patch(intent.id, { intent_admin_state: 'DEACTIVATED' });
      const resumed = await patch(intent.id, { intent_admin_state: 'ACTIVATED' });
      expect(fulfilment(resumed.intent_report_reference)).toEqual({
        fulfilment_status: 'NOT_FULFILLED',
        not_fulfilled_state: 'ACKNOWLEDGED',
        not_fulfilled_reasons: [
          `expectation "1": target ${cpu} (cpuUsage): cpuUsage: no value observed in the last 2 s`,
        ],
      });
    });

    it('lists every report newest first, cursor-paged, while GET …/report stays the current one', async () => {
      const object = await seedInstance();
      const intent = await create(intentBody({ object_instance: object }));
      const cpu = targetOf(intent);
      const reports: IntentReport[] = [];
      for (const value of [1, 2, 3, 4, 5]) reports.push(await report(intent.id, [[cpu, value]]));

      const seen: Array<{ last_updated_time: string; target_fulfilment_results: unknown }> = [];
      let cursor: string | null = null;
      do {
        const page: request.Response = await http
          .get(`/api/v1/intents/${intent.id}/reports`)
          .query({ limit: 2, ...(cursor ? { cursor } : {}) })
          .set('Authorization', writer)
          .expect(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items);
        cursor = page.body.meta.next_cursor;
      } while (cursor);
      expect(seen.map((e) => e.target_fulfilment_results)).toEqual(
        [5, 4, 3, 2, 1].map((v) => [{ target: cpu, target_achieved_value: v }]),
      );
      expect(seen.map((e) => e.last_updated_time)).toEqual(
        reports.map((r) => r.last_updated_time).reverse(),
      );
      const current = await http
        .get(`/api/v1/intents/${intent.id}/report`)
        .set('Authorization', writer)
        .expect(200);
      expect(current.body).toEqual(reports[4]);

      const other = await create(intentBody({ object_instance: await seedInstance() }));
      const first = await http
        .get(`/api/v1/intents/${intent.id}/reports?limit=1`)
        .set('Authorization', writer)
        .expect(200);
      const misused = await http
        .get(`/api/v1/intents/${other.id}/reports`)
        .query({ cursor: first.body.meta.next_cursor })
        .set('Authorization', writer)
        .expect(400);
      expect(misused.body.errors[0].field).toBe('cursor');
      await http
        .get(`/api/v1/intents/${intent.id}/reports`)
        .set('Authorization', await authHeader({ tenant: 'tenant-b' }))
        .expect(404);
    });

    it('prunes history entries older than INTENT_REPORT_RETENTION_HOURS as reports come in', async () => {
      const object = await seedInstance();
      const intent = await create(intentBody({ object_instance: object }));
      await report(intent.id, [[targetOf(intent), 1]]);
      await dataSource.query(
        `UPDATE intent_report_entry SET recorded_at = now() - interval '721 hours' WHERE intent_id = $1`,
        [intent.id],
      );
      await report(intent.id, [[targetOf(intent), 2]]);
      const history = await http
        .get(`/api/v1/intents/${intent.id}/reports`)
        .set('Authorization', writer)
        .expect(200);
      expect(
        history.body.items.map(
          (e: { target_fulfilment_results: unknown }) => e.target_fulfilment_results,
        ),
      ).toEqual([[{ target: targetOf(intent), target_achieved_value: 2 }]]);
    });
  });

  describe('intents of a deleted instance', () => {
    it('are deactivated when the instance reaches deleted, with a reason naming it, and stay readable', async () => {
      const object = await seedInstance();
      const intent = await create(intentBody({ object_instance: object }));
      await report(intent.id, [[targetOf(intent), 3]]);
      await http.delete(`/api/v1/instances/${object}`).set('Authorization', writer).expect(202);
      expect((await get(intent.id)).intent_admin_state).toBe('ACTIVATED');
      await http
        .put(`/api/v1/instances/${object}/status`)
        .set('Authorization', service)
        .send({ status: 'deleted' })
        .expect(200);

      const after = await get(intent.id);
      expect(after.intent_admin_state).toBe('DEACTIVATED');
      expect(fulfilment(after.intent_report_reference)).toEqual({
        fulfilment_status: 'NOT_FULFILLED',
        not_fulfilled_state: 'SUSPENDED',
        not_fulfilled_reasons: [`deactivated: workload instance ${object} was deleted`],
      });
      const history = await http
        .get(`/api/v1/intents/${intent.id}/reports`)
        .set('Authorization', writer)
        .expect(200);
      expect(history.body.items).toHaveLength(1);
      expect(await notifications(intent.id)).toHaveLength(1);
    });
  });

  describe('conflict reports', () => {
    const conflictsOf = async (id: number) =>
      (await get(id)).intent_report_reference.intent_conflict_reports;

    async function conflictingPair(): Promise<[IntentObject, IntentObject]> {
      const object = await seedInstance();
      const low = await create(intentBody({ object_instance: object, targets: [CPU_BELOW_20] }));
      const high = await create(intentBody({ object_instance: object, targets: [CPU_ABOVE_50] }));
      expect(feasibility(high)).toBe('INFEASIBLE');
      return [low, high];
    }

    it('are written on both intents of a contradiction', async () => {
      const [low, high] = await conflictingPair();
      const [onHigh] = high.intent_report_reference.intent_conflict_reports;
      expect(onHigh).toEqual({
        id: expect.any(Number),
        conflict_type: 'TARGET_CONFLICT',
        conflicting_intent: low.id,
        conflict_description: expect.stringContaining(
          `contradicts intent ${low.id}: cpuUsage IS_LESS_THAN 20`,
        ),
        recommended_solution: expect.stringContaining(`deactivate or delete intent ${low.id}`),
      });
      expect(await conflictsOf(low.id)).toEqual([
        {
          id: expect.any(Number),
          conflict_type: 'TARGET_CONFLICT',
          conflicting_intent: high.id,
          conflict_description: onHigh.conflict_description,
          recommended_solution: expect.stringContaining(`Intent ${high.id} was found INFEASIBLE`),
        },
      ]);
      const current = await http
        .get(`/api/v1/intents/${low.id}/report`)
        .set('Authorization', writer)
        .expect(200);
      expect(current.body.intent_conflict_reports).toHaveLength(1);
    });

    it('disappear from both when one side changes', async () => {
      const [low, high] = await conflictingPair();
      const fixed = await patch(high.id, {
        intent_expectations: intentBody({
          object_instance: high.intent_expectations[0].expectation_object.object_instance,
          targets: [{ ...CPU_BELOW_20, target_value_range: 30 }],
        }).intent_expectations,
      });
      expect(feasibility(fixed)).toBe('FEASIBLE');
      expect(fixed.intent_report_reference.intent_conflict_reports).toEqual([]);
      expect(await conflictsOf(low.id)).toEqual([]);
    });

    it('disappear from both when one side is deactivated', async () => {
      const [low, high] = await conflictingPair();
      await patch(low.id, { intent_admin_state: 'DEACTIVATED' });
      expect(await conflictsOf(low.id)).toEqual([]);
      expect(await conflictsOf(high.id)).toEqual([]);
    });

    it('disappear from the other when one side is deleted', async () => {
      const [low, high] = await conflictingPair();
      await http.delete(`/api/v1/intents/${high.id}`).set('Authorization', writer).expect(204);
      expect(await conflictsOf(low.id)).toEqual([]);
      const [row] = await dataSource.query(
        'SELECT count(*)::int AS n FROM intent_conflict_report WHERE intent_id = $1 OR conflicting_intent_id = $1',
        [high.id],
      );
      expect(row.n).toBe(0);
    });

    describe('at INTENT_MAX_CONFLICT_REPORTS', () => {
      const count = async (sql: string): Promise<number> =>
        ((await dataSource.query(sql)) as Array<{ n: number }>)[0].n;
      const written = async () => ({
        intents: await count('SELECT count(*)::int AS n FROM intent'),
        outbox: await count('SELECT count(*)::int AS n FROM outbox_message'),
        conflicts: await count('SELECT count(*)::int AS n FROM intent_conflict_report'),
        deliveries: await count('SELECT count(*)::int AS n FROM webhook_delivery'),
      });

      it('refuses, whole, a change that would give the other intent one report too many', async () => {
        const object = await seedInstance();
        const low = await create(intentBody({ object_instance: object, targets: [CPU_BELOW_20] }));
        const body = intentBody({ object_instance: object, targets: [CPU_ABOVE_50] });
        const highs = [await create(body), await create(body)];
        expect(await conflictsOf(low.id)).toHaveLength(MAX_CONFLICT_REPORTS);

        const before = await written();
        const refused = await http
          .post('/api/v1/intents')
          .set('Authorization', writer)
          .send(body)
          .expect(409);
        expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(refused.body).toMatchObject({
          code: 'conflict_reports_full',
          detail: expect.stringContaining(`intent ${low.id} would hold 3 conflict reports`),
          errors: [
            {
              field: 'intent_expectations',
              reason: `intent ${low.id} would hold 3 conflict reports (at most 2)`,
            },
          ],
        });
        // nothing half-written: no intent, no conflict report, no event, no webhook delivery
        expect(await written()).toEqual(before);

        // A conflict already held is counted once: re-checking one of the two still fits.
        const again = await patch(highs[0].id, { observation_period: 30 });
        expect(feasibility(again)).toBe('INFEASIBLE');
        expect(await conflictsOf(low.id)).toHaveLength(MAX_CONFLICT_REPORTS);
        // Room again once one side is gone.
        await http
          .delete(`/api/v1/intents/${highs[1].id}`)
          .set('Authorization', writer)
          .expect(204);
        expect(feasibility(await create(body))).toBe('INFEASIBLE');
      });

      it('refuses an intent that would itself conflict with more intents than that', async () => {
        const object = await seedInstance();
        for (const bound of [20, 30, 40])
          await create(
            intentBody({
              object_instance: object,
              targets: [{ ...CPU_BELOW_20, target_value_range: bound }],
            }),
          );
        const elsewhere = await create(intentBody({ object_instance: await seedInstance() }));
        const before = await written();
        const refused = await http
          .patch(`/api/v1/intents/${elsewhere.id}`)
          .set('Authorization', writer)
          .send({
            intent_expectations: intentBody({ object_instance: object, targets: [CPU_ABOVE_50] })
              .intent_expectations,
          })
          .expect(409);
        expect(refused.body.code).toBe('conflict_reports_full');
        expect(refused.body.errors).toEqual([
          {
            field: 'intent_expectations',
            reason: 'this intent would conflict with 3 intents (at most 2)',
          },
        ]);
        // the PATCH rolled back whole
        expect(await written()).toEqual(before);
        expect(await get(elsewhere.id)).toEqual(elsewhere);
      });
    });

    describe('announced to subscribers of the other intent', () => {
      /** The webhook deliveries recorded (in the outbox, same transaction) for one intent, in order. */
      const recorded = async (
        intentId: number,
      ): Promise<Array<{ event: string; conflicts: number[] }>> => {
        const rows: Array<{ event_type: string; data: string }> = await dataSource.query(
          'SELECT event_type, data FROM webhook_delivery WHERE subject = $1 ORDER BY id',
          [String(intentId)],
        );
        return rows.map((row) => {
          const data = JSON.parse(row.data) as IntentObject | IntentReport;
          const report = 'intent_report_reference' in data ? data.intent_report_reference : data;
          return {
            event: row.event_type,
            conflicts: report.intent_conflict_reports.map((c) => c.conflicting_intent),
          };
        });
      };
      const filledWith = (other: number) => [
        { event: 'intent.changed', conflicts: [other] },
        { event: 'intent.report.changed', conflicts: [other] },
      ];
      const emptied = [
        { event: 'intent.changed', conflicts: [] },
        { event: 'intent.report.changed', conflicts: [] },
      ];

      beforeAll(async () => {
        await http
          .post('/api/v1/subscriptions')
          .set('Authorization', writer)
          .send({
            callback_url: 'http://127.0.0.1:9/conflicts',
            events: ['intent.changed', 'intent.report.changed'],
          })
          .expect(201);
      });

      it('hears intent.changed and intent.report.changed whenever its conflict reports change', async () => {
        const [low, high] = await conflictingPair();
        // the written intent's own event is intent.created, which this subscription skips
        expect(await recorded(low.id)).toEqual(filledWith(high.id));
        expect(await recorded(high.id)).toEqual([]);

        // high changed, still contradicting: low's conflict report is written again
        await patch(high.id, { observation_period: 30 });
        expect(await recorded(low.id)).toEqual([...filledWith(high.id), ...filledWith(high.id)]);
        expect(await recorded(high.id)).toEqual(filledWith(low.id));
        await http.delete(`/api/v1/intents/${high.id}`).set('Authorization', writer).expect(204);
        expect(await recorded(low.id)).toEqual([
          ...filledWith(high.id),
          ...filledWith(high.id),
          ...emptied,
        ]);
      });

      it('hears it when the other intent is deactivated, by its client or with its deleted instance', async () => {
        const [low, high] = await conflictingPair();
        await patch(low.id, { intent_admin_state: 'DEACTIVATED' });
        expect((await recorded(high.id)).slice(-2)).toEqual(emptied);

        // An intent about two instances conflicts on the second; the first one is deleted.
        const [gone, kept] = [await seedInstance(), await seedInstance()];
        const onKept = await create(intentBody({ object_instance: kept, targets: [CPU_BELOW_20] }));
        const spanningBody = intentBody({ object_instance: gone });
        const [second] = intentBody({ object_instance: kept, targets: [CPU_ABOVE_50] })
          .intent_expectations as Array<Record<string, unknown>>;
        (spanningBody.intent_expectations as Array<Record<string, unknown>>).push({
          ...second,
          expectation_id: '2',
        });
        const spanning = await create(spanningBody);
        expect(feasibility(spanning)).toBe('INFEASIBLE');
        expect(await recorded(onKept.id)).toEqual(filledWith(spanning.id));
        await http.delete(`/api/v1/instances/${gone}`).set('Authorization', writer).expect(202);
        await http
          .put(`/api/v1/instances/${gone}/status`)
          .set('Authorization', service)
          .send({ status: 'deleted' })
          .expect(200);
        expect((await get(spanning.id)).intent_admin_state).toBe('DEACTIVATED');
        expect(await conflictsOf(onKept.id)).toEqual([]);
        expect(await recorded(onKept.id)).toEqual([...filledWith(spanning.id), ...emptied]);
      });
    });
  });
});
