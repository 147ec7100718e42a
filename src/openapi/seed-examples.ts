import { INTENT_NOTIFY_MESSAGE, SEED_RUN_MESSAGE, SEED_UPLOAD_MESSAGE } from '../contract';

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
    revision: 1,
    intents: [INTENT_NOTIFY_MESSAGE],
    ingress_enabled: false,
    exposed_urls: [],
  },
  IntentResponse: INTENT_NOTIFY_MESSAGE,
  IntentReportResponse: INTENT_NOTIFY_MESSAGE.intent_report_reference,
};
