import {
  type Condition,
  type ExpectationVerb,
  type IntentObject,
  SEED_RUN_MESSAGE,
  type SeedIntentObject,
  type ValueRange,
  withAddedIntentFields,
} from '../../src/contract';

/** The seed README's `intent-notify` example, verbatim. */
export const SEED_INTENT_NOTIFY_TEXT =
  '{"id": 28, "user_label": "FederatedLearning", "intent_preemption_capability": "FALSE", "observation_period": 60, "intent_expectations": [{"id": 24, "expectation_id": "1", "expectation_verb": "DELIVER", "expectation_object": {"id": 25, "object_type": "NEMO_WORKLOAD", "object_instance": "e4708935-c65b-4159-9c81-8e33524ca1e7", "context_selectivity": null, "object_contexts": []}, "expectation_targets": [{"id": 58, "target_name": "clusterType", "target_condition": "IS_EQUAL_TO", "target_value_range": "FederatedLearning", "target_contexts": []}], "expectation_contexts": []}], "intent_report_reference": {"id": 16, "intent_fulfilment_report": {"id": 16, "intent_fulfilment_info": {"fulfilment_status": "NOT_FULFILLED", "not_fulfilled_state": "COMPLIANT", "not_fulfilled_reasons": []}, "expectation_fulfilment_results": [{"expectation_fulfilment_info": {"fulfilment_status": "NOT_FULFILLED", "not_fulfilled_state": "ACKNOWLEDGED", "not_fulfilled_reasons": []}, "expectation_id": 24, "target_fulfilment_results": [{"target": 58, "target_achieved_value": null, "target_fulfilment_info": {"fulfilment_status": "NOT_FULFILLED", "not_fulfilled_state": "ACKNOWLEDGED", "not_fulfilled_reasons": []}}]}]}, "intent_feasibility_check_report": {"id": 14, "feasibility_check_type": "FEASIBLE", "infeasibility_reason": null}, "last_updated_time": "2024-07-09T14:17:36.590890Z"}, "intent_contexts": []}';

export const SEED_INTENT_ONLY: SeedIntentObject = JSON.parse(
  SEED_INTENT_NOTIFY_TEXT,
) as SeedIntentObject;

/**
 * The seed's `intent-notify` intent as published today: its fields in its order, then the added
 * ones (`intent_report_reference.intent_conflict_reports` empty, `intent_admin_state` ACTIVATED).
 */
export const SEED_INTENT_NOTIFY: IntentObject = withAddedIntentFields(SEED_INTENT_ONLY);

/** The intent embedded in the seed README's `run` example (Python repr turned into JSON), as published today. */
export const SEED_RUN_INTENT: IntentObject = withAddedIntentFields(SEED_RUN_MESSAGE.intents[0]);

export interface TargetBody {
  target_name: string;
  target_condition: Condition;
  target_value_range: ValueRange;
  target_contexts?: unknown[];
}

export interface IntentBodyOptions {
  user_label?: string;
  object_type?: string;
  object_instance?: string;
  verb?: ExpectationVerb;
  targets?: TargetBody[];
  extra?: Record<string, unknown>;
}

/** A create-intent request body: one expectation on one object (a NEMO_WORKLOAD by default). */
export function intentBody(options: IntentBodyOptions = {}): Record<string, unknown> {
  return {
    user_label: options.user_label ?? 'DeliverComputingWorkload',
    intent_preemption_capability: 'FALSE',
    observation_period: 60,
    intent_expectations: [
      {
        expectation_id: '1',
        expectation_verb: options.verb ?? 'ENSURE',
        expectation_object: {
          object_type: options.object_type ?? 'NEMO_WORKLOAD',
          object_instance: options.object_instance ?? '936623ae-8969-4d73-8c04-527d1cb815ac',
          context_selectivity: null,
          object_contexts: [],
        },
        expectation_targets: (
          options.targets ?? [
            { target_name: 'cpuUsage', target_condition: 'IS_LESS_THAN', target_value_range: 20 },
          ]
        ).map((t) => ({ target_contexts: [], ...t })),
        expectation_contexts: [],
      },
    ],
    intent_contexts: [],
    ...options.extra,
  };
}

/** The body a client sends for the seed's FederatedLearning intent. */
export function federatedLearningBody(objectInstance: string): Record<string, unknown> {
  return intentBody({
    user_label: 'FederatedLearning',
    verb: 'DELIVER',
    object_instance: objectInstance,
    targets: [
      {
        target_name: 'clusterType',
        target_condition: 'IS_EQUAL_TO',
        target_value_range: 'FederatedLearning',
      },
    ],
  });
}

/** The body a client sends for the seed's DeliverComputingWorkload intent (cpuUsage < 20). */
export function deliverComputingWorkloadBody(
  objectInstance: string,
  targets?: TargetBody[],
): Record<string, unknown> {
  return intentBody({ object_instance: objectInstance, targets });
}

/**
 * The "shape" of a JSON value: objects keep their keys (in order) with the shapes of their values,
 * arrays the shape of their items, scalars their JSON type. Equal shapes = same keys, nesting, types.
 */
export function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.map(shapeOf);
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).map(([key, v]) => [key, shapeOf(v)]);
  }
  return typeof value;
}
