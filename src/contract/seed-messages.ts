import type {
  DeleteEvent,
  IntentObject,
  RunEvent,
  SeedIntentObject,
  SeedRunEvent,
  UploadEvent,
} from './payloads';

/**
 * The messages of the seed README's RabbitMQ table, typed with the event payloads: the examples of
 * the AsyncAPI and OpenAPI documents and the reference shapes the contract tests compare with.
 */
export const SEED_UPLOAD_MESSAGE: UploadEvent = {
  id: 4,
  name: 'echo-server',
  version: '0.5.5',
  type: 'chart',
  status: 'accepted',
};

const notFulfilled = (state: 'ACKNOWLEDGED' | 'COMPLIANT') => ({
  fulfilment_status: 'NOT_FULFILLED' as const,
  not_fulfilled_state: state,
  not_fulfilled_reasons: [],
});

/** The `intent-notify` message. */
export const SEED_INTENT_NOTIFY_MESSAGE: SeedIntentObject = {
  id: 28,
  user_label: 'FederatedLearning',
  intent_preemption_capability: 'FALSE',
  observation_period: 60,
  intent_expectations: [
    {
      id: 24,
      expectation_id: '1',
      expectation_verb: 'DELIVER',
      expectation_object: {
        id: 25,
        object_type: 'NEMO_WORKLOAD',
        object_instance: 'e4708935-c65b-4159-9c81-8e33524ca1e7',
        context_selectivity: null,
        object_contexts: [],
      },
      expectation_targets: [
        {
          id: 58,
          target_name: 'clusterType',
          target_condition: 'IS_EQUAL_TO',
          target_value_range: 'FederatedLearning',
          target_contexts: [],
        },
      ],
      expectation_contexts: [],
    },
  ],
  intent_report_reference: {
    id: 16,
    intent_fulfilment_report: {
      id: 16,
      intent_fulfilment_info: notFulfilled('COMPLIANT'),
      expectation_fulfilment_results: [
        {
          expectation_fulfilment_info: notFulfilled('ACKNOWLEDGED'),
          expectation_id: 24,
          target_fulfilment_results: [
            {
              target: 58,
              target_achieved_value: null,
              target_fulfilment_info: notFulfilled('ACKNOWLEDGED'),
            },
          ],
        },
      ],
    },
    intent_feasibility_check_report: {
      id: 14,
      feasibility_check_type: 'FEASIBLE',
      infeasibility_reason: null,
    },
    last_updated_time: '2024-07-09T14:17:36.590890Z',
  },
  intent_contexts: [],
};

/** The intent inside the seed's `run` message. */
const SEED_RUN_INTENT: SeedIntentObject = {
  id: 34,
  user_label: 'DeliverComputingWorkload',
  intent_preemption_capability: 'FALSE',
  observation_period: 60,
  intent_expectations: [
    {
      id: 30,
      expectation_id: '1',
      expectation_verb: 'ENSURE',
      expectation_object: {
        id: 31,
        object_type: 'NEMO_WORKLOAD',
        object_instance: '936623ae-8969-4d73-8c04-527d1cb815ac',
        context_selectivity: null,
        object_contexts: [],
      },
      expectation_targets: [
        {
          id: 64,
          target_name: 'cpuUsage',
          target_condition: 'IS_LESS_THAN',
          target_value_range: 20,
          target_contexts: [],
        },
      ],
      expectation_contexts: [],
    },
  ],
  intent_report_reference: {
    id: 22,
    intent_fulfilment_report: {
      id: 22,
      intent_fulfilment_info: notFulfilled('ACKNOWLEDGED'),
      expectation_fulfilment_results: [],
    },
    intent_feasibility_check_report: null,
    last_updated_time: '2024-10-21T10:43:35.982522Z',
  },
  intent_contexts: [],
};

/** The `run` message of the seed. */
export const SEED_RUN_MESSAGE: SeedRunEvent = {
  id: 6,
  instance_id: '936623ae-8969-4d73-8c04-527d1cb815ac',
  workload_document_id: 9,
  release_name: 'dasddadasdaasdda',
  status: 'rendered',
  manifests: [],
  cluster_name: null,
  intents: [SEED_RUN_INTENT],
};

/**
 * A seed intent as published today: the seed's fields in the seed's order, then
 * `intent_report_reference.intent_conflict_reports` (none) and `intent_admin_state` (ACTIVATED).
 */
export function withAddedIntentFields(seed: SeedIntentObject): IntentObject {
  return {
    ...seed,
    intent_report_reference: { ...seed.intent_report_reference, intent_conflict_reports: [] },
    intent_admin_state: 'ACTIVATED',
  };
}

/** The `intent-notify` message as published: the seed's, with the fields added since. */
export const INTENT_NOTIFY_MESSAGE: IntentObject = withAddedIntentFields(
  SEED_INTENT_NOTIFY_MESSAGE,
);

/** The `run` message as published: the seed's fields in the seed's order, then `revision`. */
export const RUN_MESSAGE: RunEvent = {
  ...SEED_RUN_MESSAGE,
  intents: SEED_RUN_MESSAGE.intents.map(withAddedIntentFields),
  revision: 1,
};

/** The `delete` message. */
export const SEED_DELETE_MESSAGE: DeleteEvent = {
  id: 23,
  instance_id: '5ce430d6-28d7-4775-b60b-17991e72c842',
  cluster_name: 'k3s-cluster',
};
