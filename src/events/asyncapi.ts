import { EVENTS_EXCHANGE, ROUTING_KEYS, RoutingKey } from './event-map';
import {
  CONDITIONS,
  EXPECTATION_VERBS,
  FEASIBILITY_CHECK_TYPES,
  FULFILMENT_STATUSES,
  NOT_FULFILLED_STATES,
  CONFLICT_TYPES,
  INTENT_ADMIN_STATES,
} from './payloads';
import {
  SEED_DELETE_MESSAGE,
  INTENT_NOTIFY_MESSAGE,
  RUN_MESSAGE,
  SEED_UPLOAD_MESSAGE,
} from './seed-messages';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });
const arrayOf = (schema: Schema): Schema => ({ type: 'array', items: schema });
const object = (properties: Record<string, Schema>): Schema => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
});

const id = { type: 'integer', minimum: 1 };
const scalar = { oneOf: [{ type: 'number' }, { type: 'string' }] };

/** JSON Schemas of the payloads in `payloads.ts`; the event contract tests validate real events against them. */
export const EVENT_SCHEMAS: Record<string, Schema> = {
  ValueRange: { oneOf: [{ type: 'number' }, { type: 'string' }, arrayOf(scalar)] },
  Condition: { type: 'string', enum: CONDITIONS },
  Context: {
    type: 'object',
    additionalProperties: false,
    required: ['context_attribute', 'context_condition', 'context_value_range'],
    properties: {
      id,
      context_attribute: { type: 'string' },
      context_condition: ref('Condition'),
      context_value_range: ref('ValueRange'),
    },
  },
  FulfilmentInfo: object({
    fulfilment_status: { type: 'string', enum: FULFILMENT_STATUSES },
    not_fulfilled_state: nullable({ type: 'string', enum: NOT_FULFILLED_STATES }),
    not_fulfilled_reasons: arrayOf({ type: 'string' }),
  }),
  IntentObject: object({
    id,
    user_label: { type: 'string' },
    intent_preemption_capability: { type: 'string', enum: ['TRUE', 'FALSE'] },
    observation_period: { type: 'integer', minimum: 0 },
    intent_expectations: arrayOf(
      object({
        id,
        expectation_id: { type: 'string' },
        expectation_verb: { type: 'string', enum: EXPECTATION_VERBS },
        expectation_object: object({
          id,
          object_type: { type: 'string' },
          object_instance: { type: 'string' },
          context_selectivity: nullable({ type: 'string' }),
          object_contexts: arrayOf(ref('Context')),
        }),
        expectation_targets: arrayOf(
          object({
            id,
            target_name: { type: 'string' },
            target_condition: ref('Condition'),
            target_value_range: ref('ValueRange'),
            target_contexts: arrayOf(ref('Context')),
          }),
        ),
        expectation_contexts: arrayOf(ref('Context')),
      }),
    ),
    intent_report_reference: object({
      id,
      intent_fulfilment_report: object({
        id,
        intent_fulfilment_info: ref('FulfilmentInfo'),
        expectation_fulfilment_results: arrayOf(
          object({
            expectation_fulfilment_info: ref('FulfilmentInfo'),
            expectation_id: id,
            target_fulfilment_results: arrayOf(
              object({
                target: id,
                target_achieved_value: nullable(ref('ValueRange')),
                target_fulfilment_info: ref('FulfilmentInfo'),
              }),
            ),
          }),
        ),
      }),
      intent_feasibility_check_report: nullable(
        object({
          id,
          feasibility_check_type: { type: 'string', enum: FEASIBILITY_CHECK_TYPES },
          infeasibility_reason: nullable({ type: 'string' }),
        }),
      ),
      last_updated_time: {
        type: 'string',
        pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$',
        examples: ['2024-07-09T14:17:36.590890Z'],
      },
      intent_conflict_reports: {
        ...arrayOf(ref('IntentConflictReport')),
        description:
          'Added after the seed fields: other active intents on the same object whose targets cannot hold ' +
          'together with these (TS 28.312 intentConflictReports); kept on both intents until one changes, ' +
          'is deactivated or is deleted.',
      },
    }),
    intent_contexts: arrayOf(ref('Context')),
    intent_admin_state: {
      type: 'string',
      enum: INTENT_ADMIN_STATES,
      description:
        'Added after the seed fields (TS 28.312 intentAdminState): DEACTIVATED while the intent is suspended ' +
        '(its fulfilment reads NOT_FULFILLED/SUSPENDED). `intent-notify` carries ACTIVATED intents only: a ' +
        'suspension publishes nothing, a resume that passes the feasibility check publishes the intent again. ' +
        'In `run` events an intent may be DEACTIVATED: do not act on it.',
    },
  }),
  IntentConflictReport: object({
    id,
    conflict_type: { type: 'string', enum: CONFLICT_TYPES },
    conflicting_intent: id,
    conflict_description: { type: 'string' },
    recommended_solution: { type: 'string' },
  }),
  UploadEvent: object({
    id,
    name: { type: 'string' },
    version: { type: 'string' },
    type: { type: 'string', const: 'chart' },
    status: { type: 'string', enum: ['onboarding', 'accepted', 'rejected'] },
  }),
  RunEvent: object({
    id,
    instance_id: { type: 'string', format: 'uuid' },
    workload_document_id: id,
    release_name: { type: 'string' },
    status: { type: 'string', const: 'rendered' },
    manifests: arrayOf({ type: 'object', required: ['apiVersion', 'kind'] }),
    cluster_name: nullable({ type: 'string' }),
    intents: arrayOf(ref('IntentObject')),
    revision: {
      type: 'integer',
      minimum: 1,
      description:
        'Added after the seed fields: the instance revision of these manifests (1 on creation, +1 per ' +
        'upgrade or rollback). A consumer applies the highest revision it has seen for an instance.',
    },
  }),
  DeleteEvent: object({
    id,
    instance_id: { type: 'string', format: 'uuid' },
    cluster_name: nullable({ type: 'string' }),
  }),
};

export const PAYLOAD_SCHEMA_OF: Record<RoutingKey, string> = {
  upload: 'UploadEvent',
  run: 'RunEvent',
  'intent-notify': 'IntentObject',
  delete: 'DeleteEvent',
};

const EXAMPLES: Record<RoutingKey, unknown> = {
  upload: SEED_UPLOAD_MESSAGE,
  run: RUN_MESSAGE,
  'intent-notify': INTENT_NOTIFY_MESSAGE,
  delete: SEED_DELETE_MESSAGE,
};

const PURPOSE: Record<RoutingKey, string> = {
  upload: 'Workload document lifecycle: status onboarding, accepted or rejected.',
  run:
    'A workload instance was rendered (created, upgraded or rolled back): its manifests, intents and ' +
    'revision for the meta-Orchestrator, to apply like `helm upgrade`.',
  'intent-notify':
    'An ACTIVATED intent was created, updated or resumed, and its feasibility check passed.',
  delete: 'A workload instance is to be deleted.',
};

function channel(key: RoutingKey): Schema {
  return {
    address: key,
    title: `Queue ${key}`,
    description: `Durable queue \`${key}\` bound to exchange \`${EVENTS_EXCHANGE}\` with routing key \`${key}\`.`,
    messages: { [messageName(key)]: { $ref: `#/components/messages/${messageName(key)}` } },
    bindings: {
      amqp: {
        is: 'routingKey',
        exchange: {
          name: EVENTS_EXCHANGE,
          type: 'direct',
          durable: true,
          autoDelete: false,
          vhost: '/',
        },
        bindingVersion: '0.3.0',
      },
    },
  };
}

function messageName(key: RoutingKey): string {
  return PAYLOAD_SCHEMA_OF[key].replace('IntentObject', 'IntentNotifyEvent');
}

function message(key: RoutingKey): Schema {
  return {
    name: messageName(key),
    title: `${key} event`,
    summary: PURPOSE[key],
    contentType: 'application/json',
    payload: ref(PAYLOAD_SCHEMA_OF[key]),
    bindings: { amqp: { contentEncoding: 'utf-8', messageType: key, bindingVersion: '0.3.0' } },
    examples: [{ name: `seed-${key}`, payload: EXAMPLES[key] }],
  };
}

/** The AsyncAPI 3.0 document served at /api/asyncapi.json and committed as asyncapi.json. */
export function asyncApiDocument(version: string): Schema {
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'NEMO Intent API lifecycle events',
      version,
      description:
        'Typed lifecycle events published on RabbitMQ through a transactional outbox: at-least-once, ' +
        'persistent, JSON (UTF-8), each with a unique message_id (drop duplicates by it) and a timestamp.',
    },
    defaultContentType: 'application/json',
    servers: {
      rabbitmq: {
        host: 'localhost:5672',
        protocol: 'amqp',
        protocolVersion: '0-9-1',
        description: 'The NEMO broker',
      },
    },
    channels: Object.fromEntries(ROUTING_KEYS.map((key) => [key, channel(key)])),
    operations: Object.fromEntries(
      ROUTING_KEYS.map((key) => [
        `publish-${key}`,
        {
          action: 'send',
          title: `Publish ${key}`,
          summary: PURPOSE[key],
          channel: { $ref: `#/channels/${key}` },
          messages: [{ $ref: `#/channels/${key}/messages/${messageName(key)}` }],
          bindings: { amqp: { deliveryMode: 2, mandatory: false, bindingVersion: '0.3.0' } },
        },
      ]),
    ),
    components: {
      schemas: EVENT_SCHEMAS,
      messages: Object.fromEntries(ROUTING_KEYS.map((key) => [messageName(key), message(key)])),
    },
  };
}
