import type * as Wire from '../../contract';
import { formatMicroTimestamp } from '../domain/timestamp';
import { IntentConflictReport, IntentExpectation } from '../entities';
import { FulfilmentInfoColumns } from '../entities/fulfilment-info.columns';
import type { IntentDefinitionRows, IntentRows } from '../entities/intent-rows';

type ContextOwner = 'intentExpectationId' | 'expectationObjectId' | 'expectationTargetId';
const OWNERS: ContextOwner[] = [
  'intentExpectationId',
  'expectationObjectId',
  'expectationTargetId',
];

function contextsOf(
  rows: IntentDefinitionRows,
  owner: ContextOwner | null,
  ownerId: number | null,
): Wire.Context[] {
  return rows.contexts
    .filter((c) => (owner ? c[owner] === ownerId : OWNERS.every((o) => c[o] === null)))
    .map((c) => ({
      id: c.id,
      context_attribute: c.contextAttribute,
      context_condition: c.contextCondition,
      context_value_range: c.contextValueRange,
    }));
}

function toInfo(info: FulfilmentInfoColumns): Wire.FulfilmentInfo {
  return {
    fulfilment_status: info.fulfilmentStatus,
    not_fulfilled_state: info.notFulfilledState,
    not_fulfilled_reasons: info.notFulfilledReasons,
  };
}

function toExpectation(
  rows: IntentDefinitionRows,
  expectation: IntentExpectation,
): Wire.IntentExpectation {
  const object = rows.objects.find((o) => o.intentExpectationId === expectation.id);
  if (!object) throw new Error(`intent expectation ${expectation.id} has no expectation object`);
  return {
    id: expectation.id,
    expectation_id: expectation.expectationId,
    expectation_verb: expectation.expectationVerb,
    expectation_object: {
      id: object.id,
      object_type: object.objectType,
      object_instance: object.objectInstance,
      context_selectivity: object.contextSelectivity,
      object_contexts: contextsOf(rows, 'expectationObjectId', object.id),
    },
    expectation_targets: rows.targets
      .filter((t) => t.intentExpectationId === expectation.id)
      .map((t) => ({
        id: t.id,
        target_name: t.targetName,
        target_condition: t.targetCondition,
        target_value_range: t.targetValueRange,
        target_contexts: contextsOf(rows, 'expectationTargetId', t.id),
      })),
    expectation_contexts: contextsOf(rows, 'intentExpectationId', expectation.id),
  };
}

function toExpectationResult(
  rows: IntentRows,
  expectation: IntentExpectation,
): Wire.ExpectationFulfilmentResult[] {
  const result = rows.expectationResults.find((r) => r.intentExpectationId === expectation.id);
  if (!result) return [];
  const targets = rows.targets.filter((t) => t.intentExpectationId === expectation.id);
  return [
    {
      expectation_fulfilment_info: toInfo(result.info),
      expectation_id: expectation.id,
      target_fulfilment_results: targets.flatMap((target) => {
        const r = rows.targetResults.find((tr) => tr.expectationTargetId === target.id);
        if (!r) return [];
        return [
          {
            target: target.id,
            target_achieved_value: r.targetAchievedValue,
            target_fulfilment_info: toInfo(r.info),
          },
        ];
      }),
    },
  ];
}

export function toFulfilmentReport(rows: IntentRows): Wire.IntentFulfilmentReport {
  return {
    id: rows.fulfilmentReport.id,
    intent_fulfilment_info: toInfo(rows.fulfilmentReport.info),
    expectation_fulfilment_results: rows.expectations.flatMap((e) => toExpectationResult(rows, e)),
  };
}

export function toConflictReport(row: IntentConflictReport): Wire.IntentConflictReport {
  return {
    id: row.id,
    conflict_type: row.conflictType,
    conflicting_intent: row.conflictingIntentId,
    conflict_description: row.conflictDescription,
    recommended_solution: row.recommendedSolution,
  };
}

/**
 * `intent_report_reference`: fulfilment report, feasibility check report, last update (the seed's
 * fields in its order), then the conflict reports.
 */
export function toIntentReport(rows: IntentRows): Wire.IntentReport {
  const { report, feasibility } = rows;
  return {
    id: report.id,
    intent_fulfilment_report: toFulfilmentReport(rows),
    intent_feasibility_check_report: feasibility
      ? {
          id: feasibility.id,
          feasibility_check_type: feasibility.feasibilityCheckType,
          infeasibility_reason: feasibility.infeasibilityReason,
        }
      : null,
    last_updated_time: formatMicroTimestamp(report.lastUpdatedMicros),
    intent_conflict_reports: rows.conflicts.map(toConflictReport),
  };
}

/** The full intent object of the `run` and `intent-notify` events: the seed's keys in its order, then the added ones. */
export function toIntentObject(rows: IntentRows): Wire.IntentObject {
  const { intent_contexts, intent_admin_state, ...asked } = toIntentDefinition(rows);
  return {
    id: rows.intent.id,
    ...asked,
    intent_report_reference: toIntentReport(rows),
    intent_contexts,
    intent_admin_state,
  };
}

/** What an intent asks (the feasibility check compares it with a candidate): no id, no reports. */
export function toIntentDefinition(
  rows: IntentDefinitionRows,
): Omit<Wire.IntentObject, 'id' | 'intent_report_reference'> {
  const { intent } = rows;
  return {
    user_label: intent.userLabel,
    intent_preemption_capability: intent.intentPreemptionCapability ? 'TRUE' : 'FALSE',
    observation_period: intent.observationPeriod,
    intent_expectations: rows.expectations.map((e) => toExpectation(rows, e)),
    intent_contexts: contextsOf(rows, null, null),
    intent_admin_state: intent.adminState,
  };
}
