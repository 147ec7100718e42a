import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull, ObjectLiteral, EntityTarget } from 'typeorm';
import type { FulfilmentInfo } from '../contract';
import { isForeign, Principal, tenantScope } from '../auth/principal';
import { NotFoundError } from '../common/errors/domain-error';
import { fetchPage } from '../database/keyset-page';
import { lean, leanFindAll } from '../database/lean-find';
import { PageMeta, PageQuery } from '../common/pagination/pagination';
import type { FeasibilityVerdict } from './domain/feasibility';
import type { Conflict } from './domain/contradiction';
import { acknowledged, FulfilmentOutcome, suspended } from './domain/fulfilment';
import type { TargetWindowState } from './domain/observation-window';
import type { IntentDraft, ObjectRef } from './domain/intent-draft';
import { insertIntentStatement, replaceTreeStatement } from './intent-tree.statement';
import { ListIntentsQuery } from './dto/list-intents.query';
import {
  ExpectationFulfilmentResult,
  ExpectationObject,
  ExpectationTarget,
  Intent,
  IntentConflictReport,
  IntentContext,
  IntentExpectation,
  IntentFeasibilityCheckReport,
  IntentFulfilmentReport,
  IntentReport,
  IntentReportEntry,
  TargetFulfilmentResult,
} from './entities';
import { FulfilmentInfoColumns } from './entities/fulfilment-info.columns';
import type { IntentDefinitionRows, IntentRows } from './entities/intent-rows';

/** A timestamptz from epoch microseconds, exactly (a double would round the last digits). */
const FROM_MICROS = (param: string) =>
  `(timestamptz 'epoch' + ${param}::bigint * interval '1 microsecond')`;

/** A conflict found for one intent, to be written on it and on the intent it conflicts with. */
export interface ConflictPair extends Conflict {
  intent: number;
  recommended_solution: string;
}

/** Advisory-lock namespace ("intn") serializing feasibility checks per object instance. */
const OBJECT_LOCK_SPACE = 0x696e746e;

const toColumns = (info: FulfilmentInfo): FulfilmentInfoColumns => ({
  fulfilmentStatus: info.fulfilment_status,
  notFulfilledState: info.not_fulfilled_state,
  notFulfilledReasons: info.not_fulfilled_reasons,
});

function groupByIntent<T extends { intentId: number }>(rows: T[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const row of rows) {
    const group = groups.get(row.intentId);
    if (group) group.push(row);
    else groups.set(row.intentId, [row]);
  }
  return groups;
}

/** The reads of the five tables that define intents (none of the reports), for leanFindAll. */
function definitionQueries(ids: readonly number[]) {
  const where = { intentId: [...ids] };
  const byPosition = { position: 'ASC', id: 'ASC' } as const;
  return [
    lean(Intent, { where: { id: [...ids] } }),
    lean(IntentExpectation, { where, order: byPosition }),
    lean(ExpectationObject, { where }),
    lean(ExpectationTarget, { where, order: byPosition }),
    lean(IntentContext, { where, order: byPosition }),
  ] as const;
}

/** The rows of definitionQueries grouped per intent, in the order of `ids` (absent intents left out). */
function definitionsOf(
  ids: readonly number[],
  [intents, expectations, objects, targets, contexts]: [
    Intent[],
    IntentExpectation[],
    ExpectationObject[],
    ExpectationTarget[],
    IntentContext[],
  ],
): IntentDefinitionRows[] {
  const byId = new Map(intents.map((intent) => [intent.id, intent]));
  const [expectationsOf, objectsOf, targetsOf, contextsOf] = [
    groupByIntent(expectations),
    groupByIntent(objects),
    groupByIntent(targets),
    groupByIntent(contexts),
  ];
  return ids.flatMap((id) => {
    const intent = byId.get(id);
    if (!intent) return [];
    return [
      {
        intent,
        expectations: expectationsOf.get(id) ?? [],
        objects: objectsOf.get(id) ?? [],
        targets: targetsOf.get(id) ?? [],
        contexts: contextsOf.get(id) ?? [],
      },
    ];
  });
}

/**
 * Reads and writes whole intents. Every nested table carries `intent_id`, so a set of intents loads
 * with one statement per table, all in one round trip, and deletes with one statement; lists keep
 * the client's order through `position` columns.
 */
@Injectable()
export class IntentStore {
  private async insertRows<T extends ObjectLiteral>(
    m: EntityManager,
    entity: EntityTarget<T>,
    rows: Array<Partial<T>>,
  ): Promise<number[]> {
    if (rows.length === 0) return [];
    const result = await m.insert(entity, rows as never);
    return result.identifiers.map((identifier) => Number(identifier.id));
  }

  /**
   * Writes a whole new intent with its report: fulfilment ACKNOWLEDGED (SUSPENDED when created
   * DEACTIVATED), feasibility as checked.
   */
  async insert(
    m: EntityManager,
    principal: Principal,
    draft: IntentDraft,
    verdict: FeasibilityVerdict,
  ): Promise<number> {
    const start = draft.intent_admin_state === 'DEACTIVATED' ? suspended() : acknowledged();
    const { text, values } = insertIntentStatement(principal, draft, verdict, start);
    const rows: Array<{ id: number }> = await m.query(text, values);
    return Number(rows[0].id);
  }

  /**
   * Applies a PATCH: scalar fields, then (when given) new expectations, which start over with fresh
   * ACKNOWLEDGED results, and new intent-level contexts; records the new feasibility verdict.
   */
  async update(
    m: EntityManager,
    rows: IntentRows,
    draft: IntentDraft,
    replace: { expectations: boolean; contexts: boolean },
    verdict: FeasibilityVerdict,
  ): Promise<void> {
    const intentId = rows.intent.id;
    await m.update(Intent, intentId, {
      userLabel: draft.user_label,
      intentPreemptionCapability: draft.intent_preemption_capability === 'TRUE',
      observationPeriod: draft.observation_period,
      adminState: draft.intent_admin_state,
      adminStateReason: null,
    });
    if (replace.expectations) {
      await m.delete(IntentExpectation, { intentId });
      await m.update(IntentFulfilmentReport, rows.fulfilmentReport.id, {
        info: toColumns(acknowledged()),
      });
    }
    if (replace.contexts)
      await m.delete(IntentContext, {
        intentId,
        intentExpectationId: IsNull(),
        expectationObjectId: IsNull(),
        expectationTargetId: IsNull(),
      });
    if (replace.expectations || replace.contexts) {
      const { text, values } = replaceTreeStatement(
        { intent: intentId, fulfilmentReport: rows.fulfilmentReport.id },
        replace.expectations ? draft.intent_expectations : [],
        replace.contexts ? draft.intent_contexts : [],
      );
      await m.query(text, values);
    }
    await m.update(
      IntentFeasibilityCheckReport,
      { intentId },
      {
        feasibilityCheckType: verdict.feasibility_check_type,
        infeasibilityReason: verdict.infeasibility_reason,
      },
    );
    await this.touch(m, intentId);
  }

  /**
   * Stores computed fulfilment and the window state of every target it was judged from; the
   * report's `last_updated_time` becomes `now` (epoch microseconds), when the values were observed.
   */
  async saveFulfilment(
    m: EntityManager,
    rows: IntentRows,
    outcome: FulfilmentOutcome,
    states: ReadonlyMap<number, TargetWindowState>,
    now: number,
  ): Promise<void> {
    await m.update(IntentFulfilmentReport, rows.fulfilmentReport.id, {
      info: toColumns(outcome.info),
    });
    const expectationInfos = outcome.expectations.map((e) => ({ key: e.id, ...e.info }));
    await m.query(
      `UPDATE expectation_fulfilment_result r
          SET fulfilment_status = v.fulfilment_status, not_fulfilled_state = v.not_fulfilled_state,
              not_fulfilled_reasons = v.not_fulfilled_reasons
         FROM jsonb_to_recordset($1::jsonb) AS v(key integer, fulfilment_status text, not_fulfilled_state text,
              not_fulfilled_reasons jsonb)
        WHERE r.intent_expectation_id = v.key AND r.intent_id = $2`,
      [JSON.stringify(expectationInfos), rows.intent.id],
    );
    const targetInfos = outcome.expectations.flatMap((e) =>
      e.targets.map((t) => {
        const state = states.get(t.id);
        return {
          key: t.id,
          value: state?.value ?? null,
          observed: state?.observedAt?.toString() ?? null,
          missed: state?.missedAt?.toString() ?? null,
          missed_value: state?.missedValue ?? null,
          ...t.info,
        };
      }),
    );
    await m.query(
      `UPDATE target_fulfilment_result r
          SET target_achieved_value = v.value, fulfilment_status = v.fulfilment_status,
              not_fulfilled_state = v.not_fulfilled_state, not_fulfilled_reasons = v.not_fulfilled_reasons,
              observed_at = ${FROM_MICROS('v.observed')}, missed_at = ${FROM_MICROS('v.missed')},
              missed_value = v.missed_value
         FROM jsonb_to_recordset($1::jsonb) AS v(key integer, value jsonb, fulfilment_status text,
              not_fulfilled_state text, not_fulfilled_reasons jsonb, observed text, missed text,
              missed_value jsonb)
        WHERE r.expectation_target_id = v.key AND r.intent_id = $2`,
      [JSON.stringify(targetInfos), rows.intent.id],
    );
    await m.query(
      `UPDATE intent_report SET last_updated_time = ${FROM_MICROS('$1')} WHERE intent_id = $2`,
      [now.toString(), rows.intent.id],
    );
  }

  /** Every fulfilment row of the intent (intent, expectations, targets) becomes `info`; values are kept. */
  async setAllFulfilment(m: EntityManager, intentId: number, info: FulfilmentInfo): Promise<void> {
    const columns = toColumns(info);
    await m.update(IntentFulfilmentReport, { intentId }, { info: columns });
    await m.update(ExpectationFulfilmentResult, { intentId }, { info: columns });
    await m.update(TargetFulfilmentResult, { intentId }, { info: columns });
    await this.touch(m, intentId);
  }

  /** DEACTIVATED by the system, with the reason (e.g. its object instance was deleted). */
  async deactivate(m: EntityManager, intentId: number, reason: string): Promise<void> {
    await m.update(Intent, intentId, { adminState: 'DEACTIVATED', adminStateReason: reason });
  }

  /** The database clock in epoch microseconds: the time of observations, reports and windows. */
  async now(m: EntityManager): Promise<number> {
    const [{ now }] = (await m.query(
      `SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint::text AS now`,
    )) as Array<{ now: string }>;
    return Number(now);
  }

  private touch(m: EntityManager, intentId: number): Promise<unknown> {
    return m.update(IntentReport, { intentId }, { lastUpdatedTime: () => 'clock_timestamp()' });
  }

  /** Keeps one received report with the fulfilment report it led to, at the report's time. */
  async appendReportEntry(
    m: EntityManager,
    rows: IntentRows,
    observations: IntentReportEntry['observations'],
    fulfilmentReport: IntentReportEntry['fulfilmentReport'],
    at: number,
  ): Promise<void> {
    await m.query(
      `INSERT INTO intent_report_entry (intent_id, recorded_at, admin_state, observations, fulfilment_report)
       VALUES ($1, ${FROM_MICROS('$2')}, $3, $4, $5)`,
      [
        rows.intent.id,
        at.toString(),
        rows.intent.adminState,
        JSON.stringify(observations),
        JSON.stringify(fulfilmentReport),
      ],
    );
  }

  /**
   * Deletes up to `batch` history entries (of any intent) older than `retentionHours`, skipping
   * rows another reporter is deleting. Run with every report: each one adds one entry and may remove
   * many, so expired entries cannot pile up while reports come in, and no scan grows with history.
   */
  async pruneReportEntries(m: EntityManager, retentionHours: number, batch: number): Promise<void> {
    await m.query(
      `DELETE FROM intent_report_entry WHERE id IN (
         SELECT id FROM intent_report_entry WHERE recorded_at < now() - make_interval(hours => $1)
          ORDER BY recorded_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [retentionHours, batch],
    );
  }

  async reportEntryPage(
    m: EntityManager,
    intentId: number,
    query: PageQuery,
  ): Promise<{ entries: IntentReportEntry[]; meta: PageMeta }> {
    const { entities, meta } = await fetchPage(m, IntentReportEntry, query, {
      resource: 'intent_reports',
      sort: { name: 'id', property: 'id', type: 'integer' },
      where: { intentId },
      filters: { intent_id: intentId },
    });
    return { entries: entities, meta };
  }

  /**
   * Removes every conflict report on or naming these intents, on both sides; answers the intents
   * whose conflict reports changed.
   */
  async clearConflicts(m: EntityManager, intentIds: readonly number[]): Promise<number[]> {
    if (intentIds.length === 0) return [];
    // TypeORM answers a DELETE … RETURNING with [rows, affected count].
    const [rows] = (await m.query(
      `DELETE FROM intent_conflict_report
        WHERE intent_id = ANY($1) OR conflicting_intent_id = ANY($1) RETURNING intent_id`,
      [intentIds],
    )) as [Array<{ intent_id: number }>, number];
    return [...new Set(rows.map((row) => Number(row.intent_id)))];
  }

  /** How many conflict reports each of these intents holds now (absent: none). */
  async conflictCounts(
    m: EntityManager,
    intentIds: readonly number[],
  ): Promise<Map<number, number>> {
    if (intentIds.length === 0) return new Map();
    const rows: Array<{ intent_id: number; n: number }> = await m.query(
      `SELECT intent_id, count(*)::int AS n FROM intent_conflict_report
        WHERE intent_id = ANY($1) GROUP BY intent_id`,
      [intentIds],
    );
    return new Map(rows.map((row) => [Number(row.intent_id), Number(row.n)]));
  }

  async insertConflicts(m: EntityManager, pairs: readonly ConflictPair[]): Promise<void> {
    await this.insertRows(
      m,
      IntentConflictReport,
      pairs.map((p) => ({
        intentId: p.intent,
        conflictingIntentId: p.conflicting_intent,
        conflictType: p.conflict_type,
        conflictDescription: p.conflict_description,
        recommendedSolution: p.recommended_solution,
      })),
    );
  }

  /** Ids of every intent (any tenant) with an expectation on this object, locked until the transaction ends. */
  async lockIdsOnObject(m: EntityManager, object: ObjectRef): Promise<number[]> {
    const rows: Array<{ id: number }> = await m.query(
      `SELECT i.id FROM intent i
        WHERE EXISTS (SELECT 1 FROM expectation_object o WHERE o.intent_id = i.id
                       AND o.object_type = $1 AND o.object_instance = $2)
        ORDER BY i.id FOR UPDATE`,
      [object.object_type, object.object_instance],
    );
    return rows.map((row) => Number(row.id));
  }

  /**
   * The rows that define the given intents (five tables, none of the reports), in the order of
   * `ids`: what the feasibility check compares a candidate with, for every active intent on its
   * objects.
   */
  async loadDefinitions(m: EntityManager, ids: readonly number[]): Promise<IntentDefinitionRows[]> {
    if (ids.length === 0) return [];
    return definitionsOf(ids, await leanFindAll(m, definitionQueries(ids)));
  }

  /** Every row of the given intents, grouped per intent, in the order of `ids`: one round trip. */
  async loadRows(m: EntityManager, ids: readonly number[]): Promise<IntentRows[]> {
    if (ids.length === 0) return [];
    const where = { intentId: [...ids] };
    const [intents, expectations, objects, targets, contexts, ...reportRows] = await leanFindAll(
      m,
      [
        ...definitionQueries(ids),
        lean(IntentReport, { where }),
        lean(IntentFulfilmentReport, { where }),
        lean(IntentFeasibilityCheckReport, { where }),
        lean(ExpectationFulfilmentResult, { where }),
        lean(TargetFulfilmentResult, { where }),
        lean(IntentConflictReport, { where, order: { id: 'ASC' } }),
      ] as const,
    );
    const [reports, fulfilment, feasibility, eResults, tResults, conflicts] = reportRows;
    const definitions = definitionsOf(ids, [intents, expectations, objects, targets, contexts]);
    const oneOf = <R extends { intentId: number }>(rows: R[]) =>
      new Map(rows.map((row) => [row.intentId, row]));
    const [reportOf, fulfilmentOf, feasibilityOf] = [
      oneOf(reports),
      oneOf(fulfilment),
      oneOf(feasibility),
    ];
    const [resultsOf, targetResultsOf, conflictsOf] = [
      groupByIntent(eResults),
      groupByIntent(tResults),
      groupByIntent(conflicts),
    ];
    return definitions.flatMap((definition) => {
      const id = definition.intent.id;
      const report = reportOf.get(id);
      const fulfilmentReport = fulfilmentOf.get(id);
      if (!report || !fulfilmentReport) return [];
      return [
        {
          ...definition,
          report,
          fulfilmentReport,
          feasibility: feasibilityOf.get(id) ?? null,
          expectationResults: resultsOf.get(id) ?? [],
          targetResults: targetResultsOf.get(id) ?? [],
          conflicts: conflictsOf.get(id) ?? [],
        },
      ];
    });
  }

  /** The intent's rows, locked against concurrent changes until the transaction ends; 404 outside the scope. */
  async lockRows(m: EntityManager, scope: { tenant?: string }, id: number): Promise<IntentRows> {
    const intent = await m.findOne(Intent, {
      where: { id, ...scope },
      lock: { mode: 'pessimistic_write' },
    });
    if (!intent) throw new NotFoundError('intent', id);
    const [rows] = await this.loadRows(m, [id]);
    return rows;
  }

  /** The intent's rows, read in one round trip and then checked against the caller's tenant; 404 outside it. */
  async findRows(m: EntityManager, principal: Principal, id: number): Promise<IntentRows> {
    const [rows] = await this.loadRows(m, [id]);
    if (!rows || isForeign(principal, rows.intent.tenant)) throw new NotFoundError('intent', id);
    return rows;
  }

  async findPage(
    m: EntityManager,
    principal: Principal,
    query: ListIntentsQuery,
  ): Promise<{ ids: number[]; meta: PageMeta }> {
    const { tenant } = tenantScope(principal);
    const objectInstance = query.object_instance;
    const fulfilmentStatus = query.fulfilment_status;
    const { entities, meta } = await fetchPage(m, Intent, query, {
      resource: 'intents',
      sort: { name: 'id', property: 'id', type: 'integer' },
      select: ['id'],
      where: { tenant, userLabel: query.user_label },
      matching: {
        object_instance:
          objectInstance === undefined
            ? undefined
            : {
                value: objectInstance,
                sql: (p) =>
                  `EXISTS (SELECT 1 FROM expectation_object o WHERE o.intent_id = t.id AND o.object_instance = ${p})`,
              },
        fulfilment_status:
          fulfilmentStatus === undefined
            ? undefined
            : {
                value: fulfilmentStatus,
                sql: (p) =>
                  `EXISTS (SELECT 1 FROM intent_fulfilment_report f WHERE f.intent_id = t.id AND f.fulfilment_status = ${p})`,
              },
      },
      filters: {
        user_label: query.user_label,
        object_instance: query.object_instance,
        fulfilment_status: query.fulfilment_status,
      },
    });
    return { ids: entities.map((intent) => intent.id), meta };
  }

  async idsByObjectInstance(
    m: EntityManager,
    principal: Principal,
    objectInstance: string,
  ): Promise<number[]> {
    const { tenant } = tenantScope(principal);
    const rows: Array<{ id: number }> = await m.query(
      `SELECT DISTINCT i.id FROM intent i JOIN expectation_object o ON o.intent_id = i.id
        WHERE o.object_instance = $1 AND ($2::text IS NULL OR i.tenant = $2) ORDER BY i.id`,
      [objectInstance, tenant ?? null],
    );
    return rows.map((row) => Number(row.id));
  }

  /** The ids of the intents about each of these object instances, in id order, in one query. */
  async idsByObjectInstances(
    m: EntityManager,
    principal: Principal,
    objectInstances: readonly string[],
  ): Promise<Map<string, number[]>> {
    const byInstance = new Map<string, number[]>(objectInstances.map((o) => [o, []]));
    if (objectInstances.length === 0) return byInstance;
    const { tenant } = tenantScope(principal);
    const rows: Array<{ id: number; object_instance: string }> = await m.query(
      `SELECT DISTINCT i.id, o.object_instance FROM intent i JOIN expectation_object o ON o.intent_id = i.id
        WHERE o.object_instance = ANY($1) AND ($2::text IS NULL OR i.tenant = $2) ORDER BY i.id`,
      [objectInstances, tenant ?? null],
    );
    for (const row of rows) byInstance.get(row.object_instance)?.push(Number(row.id));
    return byInstance;
  }

  /** FEASIBLE, ACTIVATED intents of a tenant with an expectation on one of the objects (one intent excepted). */
  async activeIdsOnObjects(
    m: EntityManager,
    tenant: string,
    objects: readonly ObjectRef[],
    except: number | null,
  ): Promise<number[]> {
    if (objects.length === 0) return [];
    const rows: Array<{ id: number }> = await m.query(
      `SELECT DISTINCT i.id FROM intent i
         JOIN expectation_object o ON o.intent_id = i.id
         JOIN intent_feasibility_check_report f ON f.intent_id = i.id
        WHERE i.tenant = $1 AND f.feasibility_check_type = 'FEASIBLE' AND i.admin_state = 'ACTIVATED'
          AND i.id <> $2
          AND (o.object_type, o.object_instance) IN (SELECT * FROM unnest($3::text[], $4::text[]))
        ORDER BY i.id`,
      [
        tenant,
        except ?? 0,
        objects.map((o) => o.object_type),
        objects.map((o) => o.object_instance),
      ],
    );
    return rows.map((row) => Number(row.id));
  }

  /**
   * Serializes feasibility checks on the same objects until the transaction ends, so two concurrent
   * intents cannot both pass the contradiction check against each other. Sorted to avoid deadlocks.
   */
  async lockObjects(
    m: EntityManager,
    tenant: string,
    objects: readonly ObjectRef[],
  ): Promise<void> {
    const keys = [
      ...new Set(objects.map((o) => JSON.stringify([tenant, o.object_type, o.object_instance]))),
    ].sort();
    for (const key of keys) {
      await m.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [OBJECT_LOCK_SPACE, key]);
    }
  }

  async delete(m: EntityManager, principal: Principal, id: number): Promise<void> {
    const result = await m.delete(Intent, { id, ...tenantScope(principal) });
    if (!result.affected) throw new NotFoundError('intent', id);
  }
}
