import type { EntityManager } from 'typeorm';
import { isAdmin, Principal } from '../../src/auth/principal';
import { NotFoundError } from '../../src/common/errors/domain-error';
import type { PageMeta } from '../../src/common/pagination/pagination';
import type { FulfilmentInfo } from '../../src/contract';
import type { FeasibilityVerdict } from '../../src/intent/domain/feasibility';
import { acknowledged, FulfilmentOutcome, suspended } from '../../src/intent/domain/fulfilment';
import type {
  ContextDraft,
  ExpectationDraft,
  IntentDraft,
  ObjectRef,
} from '../../src/intent/domain/intent-draft';
import type { TargetWindowState } from '../../src/intent/domain/observation-window';
import type { IntentContext, IntentReportEntry } from '../../src/intent/entities';
import type { FulfilmentInfoColumns } from '../../src/intent/entities/fulfilment-info.columns';
import type { IntentDefinitionRows, IntentRows } from '../../src/intent/entities/intent-rows';
import type { ConflictPair, IntentStore } from '../../src/intent/intent.store';
import type { MemoryDatabase } from './database';

/** One whole intent as MemoryIntentStore keeps it: its rows, as IntentStore loads them. */
export class StoredIntent {
  id?: number;
  rows!: IntentRows;
}

type IntentRecords = Pick<IntentStore, keyof IntentStore>;

const columns = (info: FulfilmentInfo): FulfilmentInfoColumns => ({
  fulfilmentStatus: info.fulfilment_status,
  notFulfilledState: info.not_fulfilled_state,
  notFulfilledReasons: info.not_fulfilled_reasons,
});

/**
 * IntentStore in memory: whole intents (IntentRows) in a MemoryDatabase table, so they roll back
 * with the service's transaction; every write refuses to run outside one, as the real statements
 * would not be atomic there. Row ids come from one counter (like sequences, not rolled back). The
 * clock is `clock` (epoch microseconds), moved by tests. Locks are recorded in `locked`.
 */
export class MemoryIntentStore implements IntentRecords {
  clock = 1_750_000_000_000_000;
  readonly locked: string[] = [];
  readonly entries: IntentReportEntry[] = [];
  private nextRowId = 100;

  constructor(private readonly db: MemoryDatabase) {}

  private rowId(): number {
    return (this.nextRowId += 1);
  }

  private write(m: EntityManager): void {
    if (!m.queryRunner?.isTransactionActive) throw new Error('intent writes need a transaction');
  }

  private all(): IntentRows[] {
    return this.db.rows(StoredIntent).map((stored) => stored.rows);
  }

  private async put(m: EntityManager, rows: IntentRows): Promise<void> {
    const existing = this.db.find(StoredIntent, { id: rows.intent.id })[0];
    await m.save(Object.assign(new StoredIntent(), { ...existing, id: rows.intent.id, rows }));
  }

  private async change(
    m: EntityManager,
    intentId: number,
    edit: (rows: IntentRows) => void,
  ): Promise<void> {
    this.write(m);
    const [rows] = await this.loadRows(m, [intentId]);
    if (!rows) return;
    edit(rows);
    rows.report.lastUpdatedMicros = String(this.clock);
    await this.put(m, rows);
  }

  private contexts(
    intentId: number,
    drafts: readonly ContextDraft[],
    owner: Partial<IntentContext>,
  ): IntentContext[] {
    return drafts.map((c, position) => ({
      id: this.rowId(),
      intentId,
      intentExpectationId: null,
      expectationObjectId: null,
      expectationTargetId: null,
      ...owner,
      position,
      contextAttribute: c.context_attribute,
      contextCondition: c.context_condition,
      contextValueRange: c.context_value_range,
    }));
  }

  /** Expectations with their objects, targets, contexts and fresh results of `start`. */
  private expectations(
    rows: IntentRows,
    drafts: readonly ExpectationDraft[],
    start: FulfilmentInfo,
  ) {
    const intentId = rows.intent.id;
    for (const [position, e] of drafts.entries()) {
      const expectation = {
        id: this.rowId(),
        intentId,
        position,
        expectationId: e.expectation_id,
        expectationVerb: e.expectation_verb,
      };
      const object = {
        id: this.rowId(),
        intentId,
        intentExpectationId: expectation.id,
        objectType: e.expectation_object.object_type,
        objectInstance: e.expectation_object.object_instance,
        contextSelectivity: e.expectation_object.context_selectivity,
      };
      const result = {
        id: this.rowId(),
        intentId,
        intentFulfilmentReportId: rows.fulfilmentReport.id,
        intentExpectationId: expectation.id,
        info: columns(start),
      };
      rows.expectations.push(expectation);
      rows.objects.push(object);
      rows.expectationResults.push(result);
      rows.contexts.push(
        ...this.contexts(intentId, e.expectation_contexts, { intentExpectationId: expectation.id }),
        ...this.contexts(intentId, e.expectation_object.object_contexts, {
          expectationObjectId: object.id,
        }),
      );
      for (const [targetPosition, t] of e.expectation_targets.entries()) {
        const target = {
          id: this.rowId(),
          intentId,
          intentExpectationId: expectation.id,
          position: targetPosition,
          targetName: t.target_name,
          targetCondition: t.target_condition,
          targetValueRange: t.target_value_range,
        };
        rows.targets.push(target);
        rows.contexts.push(
          ...this.contexts(intentId, t.target_contexts, { expectationTargetId: target.id }),
        );
        rows.targetResults.push({
          id: this.rowId(),
          intentId,
          expectationFulfilmentResultId: result.id,
          expectationTargetId: target.id,
          targetAchievedValue: null,
          observedAtMicros: null,
          missedAtMicros: null,
          missedValue: null,
          info: columns(start),
        });
      }
    }
  }

  private scalars(rows: IntentRows, draft: IntentDraft): void {
    Object.assign(rows.intent, {
      userLabel: draft.user_label,
      intentPreemptionCapability: draft.intent_preemption_capability === 'TRUE',
      observationPeriod: draft.observation_period,
      adminState: draft.intent_admin_state,
      adminStateReason: null,
    });
  }

  private verdict(rows: IntentRows, verdict: FeasibilityVerdict): void {
    rows.feasibility = {
      id: rows.feasibility?.id ?? this.rowId(),
      intentId: rows.intent.id,
      intentReportId: rows.report.id,
      feasibilityCheckType: verdict.feasibility_check_type,
      infeasibilityReason: verdict.infeasibility_reason,
    };
  }

  async insert(
    m: EntityManager,
    principal: Principal,
    draft: IntentDraft,
    verdict: FeasibilityVerdict,
  ): Promise<number> {
    this.write(m);
    const start = draft.intent_admin_state === 'DEACTIVATED' ? suspended() : acknowledged();
    const id = this.rowId();
    const now = new Date();
    const reportId = this.rowId();
    const rows: IntentRows = {
      intent: {
        id,
        owner: principal.subject,
        tenant: principal.tenant,
        userLabel: '',
        intentPreemptionCapability: false,
        observationPeriod: 0,
        adminState: 'ACTIVATED',
        adminStateReason: null,
        createdAt: now,
        updatedAt: now,
      },
      expectations: [],
      objects: [],
      targets: [],
      contexts: [],
      report: {
        id: reportId,
        intentId: id,
        lastUpdatedTime: now,
        lastUpdatedMicros: String(this.clock),
      },
      fulfilmentReport: {
        id: this.rowId(),
        intentId: id,
        intentReportId: reportId,
        info: columns(start),
      },
      feasibility: null,
      expectationResults: [],
      targetResults: [],
      conflicts: [],
    };
    this.scalars(rows, draft);
    this.expectations(rows, draft.intent_expectations, start);
    rows.contexts.push(...this.contexts(id, draft.intent_contexts, {}));
    this.verdict(rows, verdict);
    await this.put(m, rows);
    return id;
  }

  async update(
    m: EntityManager,
    before: IntentRows,
    draft: IntentDraft,
    replace: { expectations: boolean; contexts: boolean },
    verdict: FeasibilityVerdict,
  ): Promise<void> {
    await this.change(m, before.intent.id, (rows) => {
      this.scalars(rows, draft);
      if (replace.expectations) {
        const kept = (c: IntentContext) =>
          c.intentExpectationId === null &&
          c.expectationObjectId === null &&
          c.expectationTargetId === null;
        Object.assign(rows, {
          expectations: [],
          objects: [],
          targets: [],
          expectationResults: [],
          targetResults: [],
          contexts: rows.contexts.filter(kept),
        });
        this.expectations(rows, draft.intent_expectations, acknowledged());
        rows.fulfilmentReport.info = columns(acknowledged());
      }
      if (replace.contexts) {
        rows.contexts = rows.contexts.filter(
          (c) => c.intentExpectationId ?? c.expectationObjectId ?? c.expectationTargetId,
        );
        rows.contexts.push(...this.contexts(rows.intent.id, draft.intent_contexts, {}));
      }
      this.verdict(rows, verdict);
    });
  }

  async saveFulfilment(
    m: EntityManager,
    before: IntentRows,
    outcome: FulfilmentOutcome,
    states: ReadonlyMap<number, TargetWindowState>,
    now: number,
  ): Promise<void> {
    await this.change(m, before.intent.id, (rows) => {
      rows.fulfilmentReport.info = columns(outcome.info);
      for (const e of outcome.expectations) {
        const result = rows.expectationResults.find((r) => r.intentExpectationId === e.id);
        if (result) result.info = columns(e.info);
        for (const t of e.targets) {
          const target = rows.targetResults.find((r) => r.expectationTargetId === t.id);
          const state = states.get(t.id);
          if (!target) continue;
          Object.assign(target, {
            info: columns(t.info),
            targetAchievedValue: state?.value ?? null,
            observedAtMicros: state?.observedAt?.toString() ?? null,
            missedAtMicros: state?.missedAt?.toString() ?? null,
            missedValue: state?.missedValue ?? null,
          });
        }
      }
    });
    this.clock = Math.max(this.clock, now);
  }

  async setAllFulfilment(m: EntityManager, intentId: number, info: FulfilmentInfo) {
    await this.change(m, intentId, (rows) => {
      rows.fulfilmentReport.info = columns(info);
      for (const r of rows.expectationResults) r.info = columns(info);
      for (const r of rows.targetResults) r.info = columns(info);
    });
  }

  async deactivate(m: EntityManager, intentId: number, reason: string): Promise<void> {
    await this.change(m, intentId, (rows) => {
      rows.intent.adminState = 'DEACTIVATED';
      rows.intent.adminStateReason = reason;
    });
  }

  async now(): Promise<number> {
    return this.clock;
  }

  async appendReportEntry(
    m: EntityManager,
    rows: IntentRows,
    observations: IntentReportEntry['observations'],
    fulfilmentReport: IntentReportEntry['fulfilmentReport'],
    at: number,
  ): Promise<void> {
    this.write(m);
    this.entries.push({
      id: String(this.rowId()),
      intentId: rows.intent.id,
      recordedAt: new Date(at / 1000),
      recordedAtMicros: String(at),
      adminState: rows.intent.adminState,
      observations,
      fulfilmentReport,
    });
  }

  async pruneReportEntries(m: EntityManager): Promise<void> {
    this.write(m);
  }

  async reportEntryPage(
    _m: EntityManager,
    intentId: number,
  ): Promise<{ entries: IntentReportEntry[]; meta: PageMeta }> {
    const entries = this.entries.filter((e) => e.intentId === intentId).reverse();
    return { entries, meta: pageMeta(entries.length) };
  }

  async clearConflicts(m: EntityManager, intentIds: readonly number[]): Promise<number[]> {
    this.write(m);
    const changed = new Set<number>();
    for (const rows of this.all()) {
      const kept = rows.conflicts.filter(
        (c) => !intentIds.includes(c.intentId) && !intentIds.includes(c.conflictingIntentId),
      );
      if (kept.length === rows.conflicts.length) continue;
      changed.add(rows.intent.id);
      await this.put(m, { ...rows, conflicts: kept });
    }
    return [...changed];
  }

  async conflictCounts(
    _m: EntityManager,
    intentIds: readonly number[],
  ): Promise<Map<number, number>> {
    const counts = this.all()
      .filter((rows) => intentIds.includes(rows.intent.id) && rows.conflicts.length > 0)
      .map((rows) => [rows.intent.id, rows.conflicts.length] as const);
    return new Map(counts);
  }

  async insertConflicts(m: EntityManager, pairs: readonly ConflictPair[]): Promise<void> {
    this.write(m);
    for (const pair of pairs) {
      const [rows] = await this.loadRows(m, [pair.intent]);
      rows.conflicts.push({
        id: this.rowId(),
        intentId: pair.intent,
        conflictingIntentId: pair.conflicting_intent,
        conflictType: pair.conflict_type,
        conflictDescription: pair.conflict_description,
        recommendedSolution: pair.recommended_solution,
      });
      await this.put(m, rows);
    }
  }

  async lockIdsOnObject(_m: EntityManager, object: ObjectRef): Promise<number[]> {
    this.locked.push(`intents on ${object.object_type} ${object.object_instance}`);
    return this.idsWhere((rows) => onObject(rows, object));
  }

  async loadRows(_m: EntityManager, ids: readonly number[]): Promise<IntentRows[]> {
    const all = this.all();
    return ids.flatMap((id) => all.filter((rows) => rows.intent.id === id));
  }

  loadDefinitions(m: EntityManager, ids: readonly number[]): Promise<IntentDefinitionRows[]> {
    return this.loadRows(m, ids);
  }

  async lockRows(m: EntityManager, scope: { tenant?: string }, id: number): Promise<IntentRows> {
    this.locked.push(`intent ${id}`);
    return this.visible(m, scope, id);
  }

  async findRows(m: EntityManager, principal: Principal, id: number): Promise<IntentRows> {
    return this.visible(m, isAdmin(principal) ? {} : { tenant: principal.tenant }, id);
  }

  async findPage(_m: EntityManager, principal: Principal) {
    const ids = this.idsWhere(
      (rows) => isAdmin(principal) || rows.intent.tenant === principal.tenant,
    );
    return { ids, meta: pageMeta(ids.length) };
  }

  async idsByObjectInstance(_m: EntityManager, principal: Principal, objectInstance: string) {
    return this.idsWhere(
      (rows) =>
        (isAdmin(principal) || rows.intent.tenant === principal.tenant) &&
        rows.objects.some((o) => o.objectInstance === objectInstance),
    );
  }

  async idsByObjectInstances(
    m: EntityManager,
    principal: Principal,
    objectInstances: readonly string[],
  ): Promise<Map<string, number[]>> {
    const found = new Map<string, number[]>();
    for (const o of objectInstances) found.set(o, await this.idsByObjectInstance(m, principal, o));
    return found;
  }

  async activeIdsOnObjects(
    _m: EntityManager,
    tenant: string,
    objects: readonly ObjectRef[],
    except: number | null,
  ): Promise<number[]> {
    return this.idsWhere(
      (rows) =>
        rows.intent.tenant === tenant &&
        rows.intent.id !== except &&
        rows.intent.adminState === 'ACTIVATED' &&
        rows.feasibility?.feasibilityCheckType === 'FEASIBLE' &&
        objects.some((object) => onObject(rows, object)),
    );
  }

  async lockObjects(_m: EntityManager, tenant: string, objects: readonly ObjectRef[]) {
    for (const o of objects)
      this.locked.push(`objects ${tenant} ${o.object_type} ${o.object_instance}`);
  }

  async delete(m: EntityManager, principal: Principal, id: number): Promise<void> {
    this.write(m);
    await this.findRows(m, principal, id);
    await m.delete(StoredIntent, { id });
  }

  private idsWhere(keep: (rows: IntentRows) => boolean): number[] {
    return this.all()
      .filter(keep)
      .map((rows) => rows.intent.id)
      .sort((a, b) => a - b);
  }

  private async visible(m: EntityManager, scope: { tenant?: string }, id: number) {
    const [rows] = await this.loadRows(m, [id]);
    if (!rows || (scope.tenant !== undefined && rows.intent.tenant !== scope.tenant))
      throw new NotFoundError('intent', id);
    return rows;
  }
}

function onObject(rows: IntentRows, object: ObjectRef): boolean {
  return rows.objects.some(
    (o) => o.objectType === object.object_type && o.objectInstance === object.object_instance,
  );
}

function pageMeta(total: number): PageMeta {
  return {
    page: 1,
    limit: 100,
    total,
    total_pages: 1,
    count: 'exact',
    next_cursor: null,
  };
}
