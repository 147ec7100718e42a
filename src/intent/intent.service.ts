import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { isForeign, Principal, reportScope, tenantScope } from '../auth/principal';
import { NotFoundError } from '../common/errors/domain-error';
import { FieldError } from '../common/errors/problem';
import { Page } from '../common/pagination/pagination';
import type { IntentObject, IntentReport } from '../events/payloads';
import { OutboxService } from '../events/outbox.service';
import { objectChange } from '../subscription/subscription-events';
import { SubscriptionService } from '../subscription/subscription.service';
import { AchievedValue, computeFulfilment } from './domain/fulfilment';
import { IntentDraft } from './domain/intent-draft';
import { CreateIntentFromTemplateDto } from './dto/create-from-template.dto';
import { CreateIntentDto } from './dto/create-intent.dto';
import { applyUpdate, toIntentDraft } from './dto/intent-draft.mapper';
import { IntentRows, toIntentObject, toIntentReport } from './dto/intent-object.mapper';
import { ListIntentsQuery } from './dto/list-intents.query';
import { IntentReportAcknowledgement } from './dto/report-acknowledgement.response';
import { ReportFulfilmentDto } from './dto/report-fulfilment.dto';
import { UpdateIntentDto } from './dto/update-intent.dto';
import { IntentFeasibilityService } from './intent-feasibility.service';
import { IntentTemplatesService } from './intent-templates.service';
import { IntentInfeasibleError, InvalidReportTargetsError } from './intent.errors';
import { IntentStore } from './intent.store';
import { ObjectResolver, ObjectResolverRegistry } from './object-resolver.registry';
import { buildFromTemplate } from './templates/build-from-template';

/**
 * TS 28.312 intents: create (with the feasibility check and, when FEASIBLE, an `intent-notify`
 * event in the same transaction), read, update, delete, and fulfilment reports.
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
    const drafts = bodies.map((body, i) =>
      toIntentDraft(body, `intents[${i}].intent_expectations`),
    );
    const created: IntentObject[] = [];
    for (const draft of drafts) created.push(await this.createDraft(manager, principal, draft));
    return created;
  }

  /** Full intent objects for the intents whose expectation objects reference this object instance. */
  async findByObjectInstance(
    principal: Principal,
    objectInstance: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<IntentObject[]> {
    const ids = await this.store.idsByObjectInstance(manager, principal, objectInstance);
    return this.store.load(manager, ids);
  }

  /** findByObjectInstance for a whole page of object instances: two round trips, not one per instance. */
  async findByObjectInstances(
    principal: Principal,
    objectInstances: readonly string[],
  ): Promise<Map<string, IntentObject[]>> {
    const m = this.dataSource.manager;
    const ids = await this.store.idsByObjectInstances(m, principal, objectInstances);
    const loaded = await this.store.load(
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
    return { items: await this.store.load(m, ids), meta };
  }

  async get(principal: Principal, id: number): Promise<IntentObject> {
    return toIntentObject(await this.store.findRows(this.dataSource.manager, principal, id));
  }

  update(principal: Principal, id: number, dto: UpdateIntentDto): Promise<IntentObject> {
    return this.dataSource.transaction(async (m) => {
      const rows = await this.store.lockRows(m, tenantScope(principal), id);
      const draft = applyUpdate(toIntentObject(rows), dto);
      const verdict = await this.feasibility.check(m, principal, rows.intent.tenant, draft, id);
      const replace = {
        expectations: dto.intent_expectations !== undefined,
        contexts: dto.intent_contexts !== undefined,
      };
      await this.store.update(m, rows, draft, replace, verdict);
      const intent = await this.publishIfFeasible(m, id);
      await this.subscriptions.record(
        m,
        objectChange('intent.changed', rows.intent.tenant, id, intent),
      );
      return intent;
    });
  }

  delete(principal: Principal, id: number): Promise<void> {
    return this.dataSource.transaction(async (m) => {
      const { intent } = await this.store.lockRows(m, tenantScope(principal), id);
      await this.store.delete(m, principal, id);
      await this.subscriptions.record(m, objectChange('intent.deleted', intent.tenant, id, { id }));
    });
  }

  async getReport(principal: Principal, id: number): Promise<IntentReport> {
    return toIntentReport(await this.store.findRows(this.dataSource.manager, principal, id));
  }

  /**
   * Records observed values and recomputes target → expectation → intent fulfilment from every
   * target's latest value; `last_updated_time` moves. Not an intent change: no `intent-notify`.
   * Another tenant's intent (a platform service reporting) gets an acknowledgement, never the
   * report; and since intent ids are guessable, targets that are not its own answer exactly like an
   * unknown intent, so a reporter learns nothing of an intent whose targets it does not know.
   */
  reportFulfilment(
    principal: Principal,
    id: number,
    dto: ReportFulfilmentDto,
  ): Promise<IntentReport | IntentReportAcknowledgement> {
    return this.dataSource.transaction(async (m) => {
      const rows = await this.store.lockRows(m, reportScope(principal), id);
      const foreign = isForeign(principal, rows.intent.tenant);
      const achieved = foreign
        ? this.foreignAchievedValues(rows, dto)
        : this.achievedValues(rows, dto);
      if (rows.feasibility?.feasibilityCheckType === 'INFEASIBLE')
        throw new IntentInfeasibleError(id);
      const outcome = computeFulfilment(
        rows.expectations.map((e) => ({
          id: e.id,
          expectation_id: e.expectationId,
          targets: rows.targets
            .filter((t) => t.intentExpectationId === e.id)
            .map((t) => ({
              id: t.id,
              target_name: t.targetName,
              target_condition: t.targetCondition,
              target_value_range: t.targetValueRange,
              target_achieved_value: achieved.get(t.id) ?? null,
            })),
        })),
      );
      await this.store.saveFulfilment(m, rows, outcome, achieved);
      const [updated] = await this.store.loadRows(m, [id]);
      const report = toIntentReport(updated);
      await this.subscriptions.record(
        m,
        objectChange('intent.report.changed', rows.intent.tenant, id, report),
      );
      if (foreign) return { intent_id: id, last_updated_time: report.last_updated_time };
      return report;
    });
  }

  /** As achievedValues, but any target error is the 404 of an unknown intent. */
  private foreignAchievedValues(
    rows: IntentRows,
    dto: ReportFulfilmentDto,
  ): Map<number, AchievedValue> {
    try {
      return this.achievedValues(rows, dto);
    } catch (error) {
      if (error instanceof InvalidReportTargetsError)
        throw new NotFoundError('intent', rows.intent.id);
      throw error;
    }
  }

  /** Each target's latest value: the reported one, else the one stored before. */
  private achievedValues(rows: IntentRows, dto: ReportFulfilmentDto): Map<number, AchievedValue> {
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
    const previous = rows.targetResults.map((r): [number, AchievedValue] => [
      r.expectationTargetId,
      r.targetAchievedValue,
    ]);
    return new Map([...previous, ...reported]);
  }

  private async createDraft(
    m: EntityManager,
    principal: Principal,
    draft: IntentDraft,
  ): Promise<IntentObject> {
    const verdict = await this.feasibility.check(m, principal, principal.tenant, draft, null);
    const id = await this.store.insert(m, principal, draft, verdict);
    const intent = await this.publishIfFeasible(m, id);
    await this.subscriptions.record(
      m,
      objectChange('intent.created', principal.tenant, id, intent),
    );
    return intent;
  }

  /** Loads the stored intent and, if it passed the feasibility check, records `intent-notify`. */
  private async publishIfFeasible(m: EntityManager, id: number): Promise<IntentObject> {
    const [intent] = await this.store.load(m, [id]);
    const feasible =
      intent.intent_report_reference.intent_feasibility_check_report?.feasibility_check_type ===
      'FEASIBLE';
    if (feasible) await this.outbox.add(m, 'intent-notify', intent, { type: 'intent', id });
    return intent;
  }
}
