import { type Static, type TSchema, Type } from '@sinclair/typebox';
import {
  CONDITIONS,
  CONFLICT_TYPES,
  EXPECTATION_VERBS,
  FEASIBILITY_CHECK_TYPES,
  FULFILMENT_STATUSES,
  INTENT_ADMIN_STATES,
  NOT_FULFILLED_STATES,
  PREEMPTION_CAPABILITIES,
  UPLOAD_STATUSES,
} from './enums';
import { closedObject, id, NamedSchemas, nullable, oneOf, stringEnum } from './schema';

/**
 * The wire contract of the lifecycle events on exchange `nemo.api.workload`, exactly as the seed
 * README's examples: snake_case names, database ids, nulls where the seed has nulls, the seed's
 * fields in the seed's order and added fields after them. Each payload is one TypeBox schema and
 * its type is derived from it (`Static`), so the AsyncAPI document (built from these schemas) and
 * the TypeScript the producers compile against cannot drift apart. Only the types are exported by
 * name; the schemas leave this file through `EVENT_SCHEMAS` and `EVENT_PAYLOADS`, because a value
 * exported under a type's name would be emitted as `design:type` wherever a decorated property
 * uses that type.
 */

/** The schemas the AsyncAPI document names, under `components.schemas`. */
const named = new NamedSchemas('#/components/schemas/');
const ref = <T extends TSchema>(schema: T) => named.ref(schema);

const scalar = oneOf(Type.Number(), Type.String());
/** A number, a string, or a list of them (for ranges and ONE_OF). */
const ValueRange = named.name(
  'ValueRange',
  oneOf(Type.Number(), Type.String(), Type.Array(scalar)),
);
export type ValueRange = Static<typeof ValueRange>;

const Condition = named.name('Condition', stringEnum(CONDITIONS));

const Context = named.name(
  'Context',
  closedObject({
    id: Type.Optional(id()),
    context_attribute: Type.String(),
    context_condition: ref(Condition),
    context_value_range: ref(ValueRange),
  }),
);
export type Context = Static<typeof Context>;

const FulfilmentInfo = named.name(
  'FulfilmentInfo',
  closedObject({
    fulfilment_status: stringEnum(FULFILMENT_STATUSES),
    not_fulfilled_state: nullable(stringEnum(NOT_FULFILLED_STATES)),
    not_fulfilled_reasons: Type.Array(Type.String()),
  }),
);
export type FulfilmentInfo = Static<typeof FulfilmentInfo>;

const ExpectationObject = closedObject({
  id: id(),
  object_type: Type.String(),
  object_instance: Type.String(),
  context_selectivity: nullable(Type.String()),
  object_contexts: Type.Array(ref(Context)),
});
export type ExpectationObject = Static<typeof ExpectationObject>;

const ExpectationTarget = closedObject({
  id: id(),
  target_name: Type.String(),
  target_condition: ref(Condition),
  target_value_range: ref(ValueRange),
  target_contexts: Type.Array(ref(Context)),
});
export type ExpectationTarget = Static<typeof ExpectationTarget>;

const IntentExpectation = closedObject({
  id: id(),
  expectation_id: Type.String(),
  expectation_verb: stringEnum(EXPECTATION_VERBS),
  expectation_object: ExpectationObject,
  expectation_targets: Type.Array(ExpectationTarget),
  expectation_contexts: Type.Array(ref(Context)),
});
export type IntentExpectation = Static<typeof IntentExpectation>;

const TargetFulfilmentResult = closedObject({
  target: id(),
  target_achieved_value: nullable(ref(ValueRange)),
  target_fulfilment_info: ref(FulfilmentInfo),
});
export type TargetFulfilmentResult = Static<typeof TargetFulfilmentResult>;

const ExpectationFulfilmentResult = closedObject({
  expectation_fulfilment_info: ref(FulfilmentInfo),
  expectation_id: id(),
  target_fulfilment_results: Type.Array(TargetFulfilmentResult),
});
export type ExpectationFulfilmentResult = Static<typeof ExpectationFulfilmentResult>;

const IntentFulfilmentReport = closedObject({
  id: id(),
  intent_fulfilment_info: ref(FulfilmentInfo),
  expectation_fulfilment_results: Type.Array(ExpectationFulfilmentResult),
});
export type IntentFulfilmentReport = Static<typeof IntentFulfilmentReport>;

const IntentFeasibilityCheckReport = closedObject({
  id: id(),
  feasibility_check_type: stringEnum(FEASIBILITY_CHECK_TYPES),
  infeasibility_reason: nullable(Type.String()),
});
export type IntentFeasibilityCheckReport = Static<typeof IntentFeasibilityCheckReport>;

/**
 * TS 28.312 IntentConflictReport: another active intent whose targets cannot hold together with
 * this one's on the same object. Kept on both intents until one of them changes, is deactivated or
 * is deleted.
 */
const IntentConflictReport = named.name(
  'IntentConflictReport',
  closedObject({
    id: id(),
    conflict_type: stringEnum(CONFLICT_TYPES),
    /** The id of the other intent. */
    conflicting_intent: id(),
    /** What clashes, e.g. `cpuUsage IS_LESS_THAN 20 contradicts intent 12: cpuUsage IS_GREATER_THAN 50 on …`. */
    conflict_description: Type.String(),
    recommended_solution: Type.String(),
  }),
);
export type IntentConflictReport = Static<typeof IntentConflictReport>;

/** `intent_report_reference`: the seed's fields, then `intent_conflict_reports`. */
const IntentReport = closedObject({
  id: id(),
  intent_fulfilment_report: IntentFulfilmentReport,
  intent_feasibility_check_report: nullable(IntentFeasibilityCheckReport),
  /** ISO-8601 UTC with microseconds and `Z`, e.g. 2024-07-09T14:17:36.590890Z */
  last_updated_time: Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$',
    examples: ['2024-07-09T14:17:36.590890Z'],
  }),
  intent_conflict_reports: Type.Array(ref(IntentConflictReport), {
    description:
      'Added after the seed fields: other active intents on the same object whose targets cannot hold ' +
      'together with these (TS 28.312 intentConflictReports); kept on both intents until one changes, ' +
      'is deactivated or is deleted.',
  }),
});
export type IntentReport = Static<typeof IntentReport>;

/**
 * The full TS 28.312 intent object as serialized in `run` and `intent-notify`: the seed's fields in
 * the seed's order, then the added ones.
 */
const IntentObject = named.name(
  'IntentObject',
  closedObject({
    id: id(),
    user_label: Type.String(),
    intent_preemption_capability: stringEnum(PREEMPTION_CAPABILITIES),
    observation_period: Type.Integer({ minimum: 0 }),
    intent_expectations: Type.Array(IntentExpectation),
    intent_report_reference: IntentReport,
    intent_contexts: Type.Array(ref(Context)),
    intent_admin_state: stringEnum(INTENT_ADMIN_STATES, {
      description:
        'Added after the seed fields (TS 28.312 intentAdminState): DEACTIVATED while the intent is suspended ' +
        '(its fulfilment reads NOT_FULFILLED/SUSPENDED). `intent-notify` carries ACTIVATED intents only: a ' +
        'suspension publishes nothing, a resume that passes the feasibility check publishes the intent again. ' +
        'In `run` events an intent may be DEACTIVATED: do not act on it.',
    }),
  }),
);
export type IntentObject = Static<typeof IntentObject>;

/** `intent_report_reference` exactly as the seed has it, without the fields added since. */
export type SeedIntentReport = Omit<IntentReport, 'intent_conflict_reports'>;

/** The intent object exactly as the seed has it, without the fields added since. */
export type SeedIntentObject = Omit<
  IntentObject,
  'intent_report_reference' | 'intent_admin_state'
> & {
  intent_report_reference: SeedIntentReport;
};

const UploadEvent = named.name(
  'UploadEvent',
  closedObject({
    id: id(),
    name: Type.String(),
    version: Type.String(),
    type: Type.Literal('chart'),
    status: stringEnum(UPLOAD_STATUSES),
  }),
);
export type UploadEvent = Static<typeof UploadEvent>;

/**
 * A rendered Kubernetes object: the contract promises a string `apiVersion` and `kind`; everything
 * else is the chart's and passes through opaque.
 */
const RenderedObject = Type.Unsafe<{ apiVersion: string; kind: string } & Record<string, unknown>>(
  Type.Object({ apiVersion: Type.String(), kind: Type.String() }),
);

const RunEvent = named.name(
  'RunEvent',
  closedObject({
    id: id(),
    instance_id: Type.String({ format: 'uuid' }),
    workload_document_id: id(),
    release_name: Type.String(),
    status: Type.Literal('rendered'),
    manifests: Type.Array(RenderedObject),
    cluster_name: nullable(Type.String()),
    intents: Type.Array(ref(IntentObject)),
    revision: Type.Integer({
      minimum: 1,
      description:
        'Added after the seed fields: the instance revision of these manifests (1 on creation, +1 per ' +
        'upgrade or rollback). A consumer applies the highest revision it has seen for an instance.',
    }),
  }),
);
export type RunEvent = Static<typeof RunEvent>;

/** The `run` message exactly as the seed defines it, without the fields added since. */
export type SeedRunEvent = Omit<RunEvent, 'revision' | 'intents'> & { intents: SeedIntentObject[] };

const DeleteEvent = named.name(
  'DeleteEvent',
  closedObject({
    id: id(),
    instance_id: Type.String({ format: 'uuid' }),
    cluster_name: nullable(Type.String()),
  }),
);
export type DeleteEvent = Static<typeof DeleteEvent>;

/** Every named schema of the AsyncAPI document, by name. */
export const EVENT_SCHEMAS = named.all();

/** The payload schema of each routing key (each queue carries the payload of its key). */
export const EVENT_PAYLOADS = {
  upload: UploadEvent,
  run: RunEvent,
  'intent-notify': IntentObject,
  delete: DeleteEvent,
};

/** The name under `components.schemas` of a payload's schema. */
export const schemaNameOf = (schema: TSchema): string => named.nameOf(schema);
