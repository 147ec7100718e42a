import {
  EventMap,
  EVENTS_EXCHANGE,
  EVENTS_EXCHANGE_TYPE,
  PAYLOAD_SCHEMA_OF,
  ROUTING_KEYS,
  RoutingKey,
} from './event-map';
import { EVENT_SCHEMAS } from './payloads';
import {
  SEED_DELETE_MESSAGE,
  INTENT_NOTIFY_MESSAGE,
  RUN_MESSAGE,
  SEED_UPLOAD_MESSAGE,
} from './seed-messages';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

const EXAMPLES: { [K in RoutingKey]: EventMap[K] } = {
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
          type: EVENTS_EXCHANGE_TYPE,
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
