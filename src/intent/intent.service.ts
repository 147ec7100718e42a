import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { isForeign, Principal, reportScope, tenantScope } from '../auth/principal';
import { NotFoundError } from '../common/errors/domain-error';
import { FieldError } from '../common/errors/problem';
import { Page, PageQuery } from '../common/pagination/pagination';
import { IntentConfig } from '../config/slices/intent.config';
import type { IntentObject, IntentReport } from '../contract';
import { OutboxService } from '../events/outbox.service';
import { objectChange } from '../subscription/subscription-events';
import { SubscriptionService } from '../subscription/subscription.service';
import type { Conflict } from './domain/contradiction';
import { AchievedValue, computeFulfilment, ObservedTarget, suspended } from './domain/fulfilment';
import { IntentDraft } from './domain/intent-draft';
import {
  judgeWindow,
  NOTHING_OBSERVED,
  observe,
  TargetWindowState,
} from './domain/observation-window';
import { CreateIntentFromTemplateDto } from './dto/create-from-template.dto';
import { CreateIntentDto } from './dto/create-intent.dto';
import { applyUpdate, toIntentDraft } from './dto/intent-draft.mapper';
import { toFulfilmentReport, toIntentObject, toIntentReport } from './dto/intent-object.mapper';
import { IntentReportEntryResponse, toReportEntryResponse } from './dto/intent.response';
import { ListIntentsQuery } from './dto/list-intents.query';
import { IntentReportAcknowledgement } from './dto/report-acknowledgement.response';
import { ReportFulfilmentDto } from './dto/report-fulfilment.dto';
import { UpdateIntentDto } from './dto/update-intent.dto';
import { FeasibilityCheck, IntentFeasibilityService } from './intent-feasibility.service';
import { IntentTemplatesService } from './intent-templates.service';
import {
  ConflictReportsFullError,
  IntentInfeasibleError,
  InvalidReportTargetsError,
} from './intent.errors';
import { formatMicroTimestamp } from './domain/timestamp';
import type { IntentRows } from './entities/intent-rows';
import { ConflictPair, IntentStore } from './intent.store';
import { ObjectResolver, ObjectResolverRegistry } from './object-resolver.registry';
import { buildFromTemplate } from './templates/build-from-template';

/** Expired history entries removed with each report (see IntentStore.pruneReportEntries). */
const PRUNE_BATCH = 100;

type WindowedTarget = ObservedTarget & { state: TargetWindowState };

const reportedValues = (dto: ReportFulfilmentDto) =>
  dto.target_fulfilment_results.map((r) => ({
    target: r.target,
    target_achieved_value: r.target_achieved_value,
  }));

const SUSPENDED_BY_CLIENT = 'the intent is DEACTIVATED (intent_admin_state)';

function stateOf(rows: IntentRows, targetId: number): TargetWindowState {
  const result = rows.targetResults.find((r) => r.expectationTargetId === targetId);
  if (!result || result.observedAtMicros === null) return NOTHING_OBSERVED;
  return {
    value: result.targetAchievedValue,
    observedAt: Number(result.observedAtMicros),
    missedAt: result.missedAtMicros === null ? null : Number(result.missedAtMicros),
    missedValue: result.missedValue,
  };
}

/** Where a refused conflict is named in a plain intent body (inline intents prefix it). */
const CONFLICT_FIELD = 'intent_expectations';

/** How to resolve a conflict, as seen from `self`: the candidate was refused, the other was not. */
function recommendedSolution(self: number, other: number, selfIsCandidate: boolean): string {
  return selfIsCandidate
    ? `Change the targets of intent ${self} so that they can hold together with those of intent ${other}, ` +
        `or deactivate or delete intent ${other}, then PATCH intent ${self} to check it again.`
    : `Intent ${other} was found INFEASIBLE because of this intent: change or deactivate one of the two ` +
        `(intent ${other} is checked again when it is PATCHed).`;
}

/**
 * TS 28.312 intents: create (with the feasibility check and, when FEASIBLE, an `intent-notify`
 * event in the same transaction), read, update (suspend and resume included), delete, fulfilment
 * reports judged over the observation window and their history, and conflict reports.
 *
 * The changes other components may want to hear about each happen in one method, inside one
 * transaction: `update` (an intent changed; its admin state too), `delete`,
 * `deactivateForDeletedInstance` (intents suspended because their instance is gone),
 * `reportFulfilment` (a report stored) and `recordConflicts` (conflict reports changed). Every other
 * intent whose conflict reports a change touched is announced in the same transaction
 * (`announceConflictChanges`).
 */
@Injectable()
export class IntentService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: IntentStore,
    private readonly feasibility: IntentFeasibilityService,
    private readonly resolvers: ObjectResolverRegistry,
    private readonly templates: IntentTemplatesService,
    private readonly outbox: OutboxService,
    private readonly config: IntentConfig,
    private readonly subscriptions: SubscriptionService,
  ) {}

  /**
   * Another module (instances) tells the intent module how to check that an object instance of a
   * type exists and belongs to the caller. An object type without a resolver cannot be verified,
   * so its intents are INFEASIBLE.
   */
  registerObjectResolver(objectType: string, resolver: ObjectResolver): void {
    this.resolvers.register(objectType, resolver);
  }

  /**
   * Creates intents inside the caller's transaction (same manager), expectation objects already
   * pointing at the instance; runs the feasibility check; records intent-notify for feasible ones
   * via the outbox in that same transaction; returns the full serialized objects. Field errors in
   * the bodies (400) name them as `intents[i]…`.
   */
  async createWithinTransaction(
    manager: EntityManager,
    principal: Principal,
    bodies: CreateIntentDto[],
  ): Promise<IntentObject[]> {
    const fields = bodies.map((_, i) => `intents[${i}].${CONFLICT_FIELD}`);
    const drafts = bodies.map((body, i) => toIntentDraft(body, fields[i]));
    const created: IntentObject[] = [];
    for (const [i, draft] of drafts.entries())
      created.push(await this.createDraft(manager, principal, draft, fields[i]));
    return created;
  }

  /** Full intent objects for the intents whose expectation objects reference this object instance. */
  async findByObjectInstance(
    principal: Principal,
    objectInstance: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<IntentObject[]> {
    const ids = await this.store.idsByObjectInstance(manager, principal, objectInstance);
    return this.loadObjects(manager, ids);
  }

  /** findByObjectInstance for a whole page of object instances: two round trips, not one per instance. */
  async findByObjectInstances(
    principal: Principal,
    objectInstances: readonly string[],
  ): Promise<Map<string, IntentObject[]>> {
    const m = this.dataSource.manager;
    const ids = await this.store.idsByObjectInstances(m, principal, objectInstances);
    const loaded = await this.loadObjects(
      m,
      [...new Set([...ids.values()].flat())].sort((a, b) => a - b),
    );
    const byId = new Map(loaded.map((intent) => [intent.id, intent]));
    return new Map(
      [...ids].map(([instance, intentIds]) => [
        instance,
        intentIds.flatMap((id) => byId.get(id) ?? []),
      ]),
    );
  }

  create(principal: Principal, dto: CreateIntentDto): Promise<IntentObject> {
    const draft = toIntentDraft(dto);
    return this.dataSource.transaction((m) => this.createDraft(m, principal, draft));
  }

  createFromTemplate(
    principal: Principal,
    userLabel: string,
    dto: CreateIntentFromTemplateDto,
  ): Promise<IntentObject> {
    const draft = buildFromTemplate(this.templates.find(userLabel), dto);
    return this.dataSource.transaction((m) => this.createDraft(m, principal, draft));
  }

  async list(principal: Principal, query: ListIntentsQuery): Promise<Page<IntentObject>> {
    const m = this.dataSource.manager;
    const { ids, meta } = await this.store.findPage(m, principal, query);
    return { items: await this.loadObjects(m, ids), meta };
  }

  async get(principal: Principal, id: number): Promise<IntentObject> {
    return toIntentObject(await this.store.findRows(this.dataSource.manager, principal, id));
  }

  /**
   * PATCH: the feasibility check runs on the result. DEACTIVATED (suspend) sets every fulfilment
   * row to SUSPENDED and publishes nothing; back to ACTIVATED (resume) re-judges every target over
   * the observation window ending now. The intent's conflict reports start over on both sides.
   */
  update(principal: Principal, id: number, dto: UpdateIntentDto): Promise<IntentObject> {
    return this.dataSource.transaction(async (m) => {
      const rows = await this.store.lockRows(m, tenantScope(principal), id);
      const draft = applyUpdate(toIntentObject(rows), dto);
      const check = await this.feasibility.check(m, principal, rows.intent.tenant, draft, id);
      const replace = {
        expectations: dto.intent_expectations !== undefined,
        contexts: dto.intent_contexts !== undefined,
      };
      await this.store.update(m, rows, draft, replace, check.verdict);
      const touched = await this.replaceConflicts(m, id, check, CONFLICT_FIELD);
      if (draft.intent_admin_state === 'DEACTIVATED')
        await this.store.setAllFulfilment(m, id, suspended([SUSPENDED_BY_CLIENT]));
      else if (rows.intent.adminState === 'DEACTIVATED') await this.rejudge(m, id);
      const intent = await this.publishIfFeasible(m, id);
      await this.announceChanged(m, [id]);
      await this.announceConflictChanges(m, touched, [id]);
      return intent;
    });
  }

  /** Deletes the intent with its report and history; conflicts naming it go from the other side too. */
  delete(principal: Principal, id: number): Promise<void> {
    return this.dataSource.transaction(async (m) => {
      const { intent } = await this.store.lockRows(m, tenantScope(principal), id);
      const touched = await this.store.clearConflicts(m, [id]);
      await this.store.delete(m, principal, id);
      await this.subscriptions.record(m, objectChange('intent.deleted', intent.tenant, id, { id }));
      await this.announceConflictChanges(m, touched, [id]);
    });
  }

  /**
   * The instance module calls this in the transaction that moves an instance to `deleted`: every
   * ACTIVATED intent about it becomes DEACTIVATED, its fulfilment SUSPENDED with a reason naming
   * the instance, its conflict reports removed (on both sides), its subscribers told. Nothing is
   * deleted: the intents and their history stay readable. Answers the ids of the intents deactivated.
   */
  async deactivateForDeletedInstance(
    m: EntityManager,
    objectType: string,
    instanceId: string,
  ): Promise<number[]> {
    const ids = await this.store.lockIdsOnObject(m, {
      object_type: objectType,
      object_instance: instanceId,
    });
    const loaded = await this.store.loadRows(m, ids);
    const active = loaded.filter((rows) => rows.intent.adminState === 'ACTIVATED');
    const reason = `deactivated: workload instance ${instanceId} was deleted`;
    for (const rows of active) {
      await this.store.deactivate(m, rows.intent.id, reason);
      await this.store.setAllFulfilment(m, rows.intent.id, suspended([reason]));
    }
    const deactivated = active.map((rows) => rows.intent.id);
    const touched = await this.store.clearConflicts(m, deactivated);
    await this.announceChanged(m, deactivated);
    await this.announceConflictChanges(m, touched, deactivated);
    return deactivated;
  }

  /** The received reports of an intent, newest first, keyset-paged. */
  async listReports(
    principal: Principal,
    id: number,
    query: PageQuery,
  ): Promise<Page<IntentReportEntryResponse>> {
    const m = this.dataSource.manager;
    await this.store.findRows(m, principal, id);
    const { entries, meta } = await this.store.reportEntryPage(m, id, query);
    return { items: entries.map(toReportEntryResponse), meta };
  }

  async getReport(principal: Principal, id: number): Promise<IntentReport> {
    return toIntentReport(await this.store.findRows(this.dataSource.manager, principal, id));
  }

  /**
   * Keeps the received values in the intent's history and, while the intent is ACTIVATED, judges
   * every target over the observation window ending now (see `judgeWindow`), then expectation and
   * intent; `last_updated_time` moves. A DEACTIVATED intent keeps the values in its history only:
   * its fulfilment stays SUSPENDED. Not an intent change: no `intent-notify`. Another tenant's
   * intent (a platform service reporting) gets an acknowledgement, never the report; and since
   * intent ids are guessable, targets that are not its own answer exactly like an unknown intent,
   * so a reporter learns nothing of an intent whose targets it does not know.
   */
  reportFulfilment(
    principal: Principal,
    id: number,
    dto: ReportFulfilmentDto,
  ): Promise<IntentReport | IntentReportAcknowledgement> {
    return this.dataSource.transaction(async (m) => {
      const rows = await this.store.lockRows(m, reportScope(principal), id);
      const foreign = isForeign(principal, rows.intent.tenant);
      const reported = foreign
        ? this.foreignReportedValues(rows, dto)
        : this.reportedValues(rows, dto);
      const active = rows.intent.adminState === 'ACTIVATED';
      if (active && rows.feasibility?.feasibilityCheckType === 'INFEASIBLE')
        throw new IntentInfeasibleError(id);
      const now = await this.store.now(m);
      if (active) await this.judge(m, rows, now, reported);
      const [updated] = await this.store.loadRows(m, [id]);
      await this.store.appendReportEntry(
        m,
        updated,
        reportedValues(dto),
        toFulfilmentReport(updated),
        now,
      );
      await this.store.pruneReportEntries(
        m,
        this.config.INTENT_REPORT_RETENTION_HOURS,
        PRUNE_BATCH,
      );
      const report = toIntentReport(updated);
      await this.subscriptions.record(
        m,
        objectChange('intent.report.changed', rows.intent.tenant, id, report),
      );
      if (foreign) return { intent_id: id, last_updated_time: formatMicroTimestamp(String(now)) };
      return report;
    });
  }

  /** Folds the reported values into each target's window state and judges target → expectation → intent. */
  private async judge(
    m: EntityManager,
    rows: IntentRows,
    now: number,
    reported: ReadonlyMap<number, AchievedValue>,
  ): Promise<void> {
    const period = rows.intent.observationPeriod;
    const states = new Map<number, TargetWindowState>();
    const expectations = rows.expectations.map((e) => ({
      id: e.id,
      expectation_id: e.expectationId,
      targets: rows.targets
        .filter((t) => t.intentExpectationId === e.id)
        .map((t): WindowedTarget => {
          const target = {
            id: t.id,
            target_name: t.targetName,
            target_condition: t.targetCondition,
            target_value_range: t.targetValueRange,
          };
          const before = stateOf(rows, t.id);
          const value = reported.get(t.id);
          const state = value === undefined ? before : observe(before, target, { value, at: now });
          states.set(t.id, state);
          return { ...target, target_achieved_value: state.value, state };
        }),
    }));
    const outcome = computeFulfilment(expectations, (t) => judgeWindow(t, t.state, now, period));
    await this.store.saveFulfilment(m, rows, outcome, states, now);
  }

  /** Resume: every target judged again over the window ending now, from what was observed before. */
  private async rejudge(m: EntityManager, id: number): Promise<void> {
    const [rows] = await this.store.loadRows(m, [id]);
    await this.judge(m, rows, await this.store.now(m), new Map());
  }

  /**
   * The intent's conflict reports start over: every report on it or naming it goes (on both
   * sides), then recordConflicts writes its check's. Answers the intents whose conflict reports
   * changed.
   */
  private async replaceConflicts(
    m: EntityManager,
    id: number,
    check: FeasibilityCheck,
    field: string,
  ): Promise<number[]> {
    const cleared = await this.store.clearConflicts(m, [id]);
    const recorded = await this.recordConflicts(m, id, check, field);
    return [...new Set([...cleared, ...recorded])];
  }

  /**
   * Writes each conflict `check` found on the intent and on the other intent, unless that would
   * give one of them more than INTENT_MAX_CONFLICT_REPORTS (then the whole change is refused,
   * `field` naming it); answers those intents. A new intent calls it alone: nothing can name it
   * yet, so there is nothing to clear.
   */
  private async recordConflicts(
    m: EntityManager,
    id: number,
    check: FeasibilityCheck,
    field: string,
  ): Promise<number[]> {
    const pairs = check.conflicts.flatMap((c: Conflict): ConflictPair[] => [
      {
        ...c,
        intent: id,
        recommended_solution: recommendedSolution(id, c.conflicting_intent, true),
      },
      {
        ...c,
        intent: c.conflicting_intent,
        conflicting_intent: id,
        recommended_solution: recommendedSolution(c.conflicting_intent, id, false),
      },
    ]);
    await this.ensureRoomForConflicts(m, id, pairs, field);
    await this.store.insertConflicts(m, pairs);
    return [...new Set(pairs.map((p) => p.intent))];
  }

  /** Refuses pairs that would take any intent past INTENT_MAX_CONFLICT_REPORTS (counted after clearing). */
  private async ensureRoomForConflicts(
    m: EntityManager,
    id: number,
    pairs: readonly ConflictPair[],
    field: string,
  ): Promise<void> {
    const limit = this.config.INTENT_MAX_CONFLICT_REPORTS;
    const adding = new Map<number, number>();
    for (const pair of pairs) adding.set(pair.intent, (adding.get(pair.intent) ?? 0) + 1);
    const held = await this.store.conflictCounts(m, [...adding.keys()]);
    for (const [intent, added] of adding) {
      const holding = (held.get(intent) ?? 0) + added;
      if (holding > limit)
        throw new ConflictReportsFullError(
          { intent: intent === id ? null : intent, holding, limit },
          field,
        );
    }
  }

  /**
   * The other intents whose conflict reports a change added or removed (those in `announced` have
   * their own events already) are announced as for a change made on them.
   */
  private async announceConflictChanges(
    m: EntityManager,
    touched: readonly number[],
    announced: readonly number[],
  ): Promise<void> {
    await this.announceChanged(
      m,
      touched.filter((id) => !announced.includes(id)).sort((a, b) => a - b),
    );
  }

  /**
   * A change of these intents reaches their subscribers twice: `intent.changed` with the whole
   * intent and `intent.report.changed` with its report (feasibility, fulfilment and conflicts are
   * judged again by any change), both as they now are.
   */
  private async announceChanged(m: EntityManager, ids: readonly number[]): Promise<void> {
    for (const rows of await this.store.loadRows(m, ids)) {
      const { id, tenant } = rows.intent;
      await this.subscriptions.record(
        m,
        objectChange('intent.changed', tenant, id, toIntentObject(rows)),
      );
      await this.subscriptions.record(
        m,
        objectChange('intent.report.changed', tenant, id, toIntentReport(rows)),
      );
    }
  }

  /** As reportedValues, but any target error is the 404 of an unknown intent. */
  private foreignReportedValues(
    rows: IntentRows,
    dto: ReportFulfilmentDto,
  ): Map<number, AchievedValue> {
    try {
      return this.reportedValues(rows, dto);
    } catch (error) {
      if (error instanceof InvalidReportTargetsError)
        throw new NotFoundError('intent', rows.intent.id);
      throw error;
    }
  }

  /** The reported value of each reported target, checked to be the intent's targets, once each. */
  private reportedValues(rows: IntentRows, dto: ReportFulfilmentDto): Map<number, AchievedValue> {
    const targetIds = new Set(rows.targets.map((t) => t.id));
    const errors: FieldError[] = [];
    const reported = new Map<number, AchievedValue>();
    dto.target_fulfilment_results.forEach((result, i) => {
      const field = `target_fulfilment_results[${i}].target`;
      if (!targetIds.has(result.target))
        errors.push({ field, reason: `${result.target} is not a target of this intent` });
      else if (reported.has(result.target))
        errors.push({ field, reason: `target ${result.target} is reported twice` });
      reported.set(result.target, result.target_achieved_value);
    });
    if (errors.length > 0) throw new InvalidReportTargetsError(rows.intent.id, errors);
    return reported;
  }

  private async createDraft(
    m: EntityManager,
    principal: Principal,
    draft: IntentDraft,
    field = CONFLICT_FIELD,
  ): Promise<IntentObject> {
    const check = await this.feasibility.check(m, principal, principal.tenant, draft, null);
    const id = await this.store.insert(m, principal, draft, check.verdict);
    const touched = await this.recordConflicts(m, id, check, field);
    const intent = await this.publishIfFeasible(m, id);
    await this.subscriptions.record(
      m,
      objectChange('intent.created', principal.tenant, id, intent),
    );
    await this.announceConflictChanges(m, touched, [id]);
    return intent;
  }

  /** The full intent objects of these ids, in their order. */
  private async loadObjects(m: EntityManager, ids: readonly number[]): Promise<IntentObject[]> {
    return (await this.store.loadRows(m, ids)).map(toIntentObject);
  }

  /**
   * Loads the stored intent and, if it is ACTIVATED and passed the feasibility check, records
   * `intent-notify` (consumers that predate the admin state never see a suspended intent).
   */
  private async publishIfFeasible(m: EntityManager, id: number): Promise<IntentObject> {
    const [intent] = await this.loadObjects(m, [id]);
    const feasible =
      intent.intent_report_reference.intent_feasibility_check_report?.feasibility_check_type ===
      'FEASIBLE';
    if (feasible && intent.intent_admin_state === 'ACTIVATED')
      await this.outbox.add(m, 'intent-notify', intent, { type: 'intent', id });
    return intent;
  }
}
