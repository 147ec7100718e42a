import type {
  Condition,
  ExpectationVerb,
  IntentAdminState,
  PreemptionCapability,
  ValueRange,
} from '../../contract';

/**
 * An intent as the rules see it: the TS 28.312 fields without database ids, every list present.
 * A request body becomes a draft once defaults are applied; a stored `IntentObject` is a draft too
 * (it has the same fields plus ids), so the feasibility rules compare both without conversion.
 */
export interface ContextDraft {
  readonly context_attribute: string;
  readonly context_condition: Condition;
  readonly context_value_range: ValueRange;
}

export interface TargetDraft {
  readonly target_name: string;
  readonly target_condition: Condition;
  readonly target_value_range: ValueRange;
  readonly target_contexts: readonly ContextDraft[];
}

export interface ObjectDraft {
  readonly object_type: string;
  readonly object_instance: string;
  readonly context_selectivity: string | null;
  readonly object_contexts: readonly ContextDraft[];
}

export interface ExpectationDraft {
  readonly expectation_id: string;
  readonly expectation_verb: ExpectationVerb;
  readonly expectation_object: ObjectDraft;
  readonly expectation_targets: readonly TargetDraft[];
  readonly expectation_contexts: readonly ContextDraft[];
}

export interface IntentDraft {
  readonly user_label: string;
  readonly intent_preemption_capability: PreemptionCapability;
  readonly observation_period: number;
  readonly intent_expectations: readonly ExpectationDraft[];
  readonly intent_contexts: readonly ContextDraft[];
  readonly intent_admin_state: IntentAdminState;
}

export interface ObjectRef {
  readonly object_type: string;
  readonly object_instance: string;
}

/** The distinct objects an intent's expectations point at. */
export function objectsOf(draft: IntentDraft): ObjectRef[] {
  const seen = new Map<string, ObjectRef>();
  for (const { expectation_object: o } of draft.intent_expectations) {
    seen.set(JSON.stringify([o.object_type, o.object_instance]), {
      object_type: o.object_type,
      object_instance: o.object_instance,
    });
  }
  return [...seen.values()];
}
