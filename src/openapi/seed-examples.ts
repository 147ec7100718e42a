import type { IntentObject, RunEvent, UploadEvent } from '../events/payloads';

/**
 * The messages of the seed README (RabbitMQ table), typed with the event payloads. The REST
 * representations share their fields, so they are the examples of the matching response schemas:
 * finalize-document.ts merges them over the property examples, and the linter checks each against
 * its schema (no additional property, every required one present).
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
export const SEED_INTENT_NOTIFY_MESSAGE: IntentObject = {
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
const SEED_RUN_INTENT: IntentObject = {
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

/** The `run` message. */
export const SEED_RUN_MESSAGE: RunEvent = {
  id: 6,
  instance_id: '936623ae-8969-4d73-8c04-527d1cb815ac',
  workload_document_id: 9,
  release_name: 'dasddadasdaasdda',
  status: 'rendered',
  manifests: [],
  cluster_name: null,
  intents: [SEED_RUN_INTENT],
};

/** The upload message as a document in its final state: an accepted document has no rejection. */
const ACCEPTED_WORKLOAD = {
  ...SEED_UPLOAD_MESSAGE,
  rejection_reason: null,
  onboarding: { step: 'done', images_done: 1, images_total: 1, percent: 100 },
};

/**
 * Response schema name → the seed message whose fields it shares. The instance shows the run
 * message with the intent-notify message's intent: the run message's own intent has a null
 * feasibility report, and OpenAPI 3.0 validators reject null for a nullable reference (the
 * `nullable` + `allOf: [$ref]` form that @nestjs/swagger writes and SDK generators read as `X | null`).
 */
export const SEED_SCHEMA_EXAMPLES: Readonly<Record<string, object>> = {
  WorkloadResponse: ACCEPTED_WORKLOAD,
  WorkloadDetailResponse: ACCEPTED_WORKLOAD,
  InstanceResponse: {
    ...SEED_RUN_MESSAGE,
    intents: [SEED_INTENT_NOTIFY_MESSAGE],
    ingress_enabled: false,
    exposed_urls: [],
  },
  IntentResponse: SEED_INTENT_NOTIFY_MESSAGE,
  IntentReportResponse: SEED_INTENT_NOTIFY_MESSAGE.intent_report_reference,
};
