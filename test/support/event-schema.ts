import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { EVENT_SCHEMAS, PAYLOAD_SCHEMA_OF, RoutingKey } from '../../src/contract';

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema({ $id: 'events', components: { schemas: EVENT_SCHEMAS } });

/**
 * Validates a received event body against the payload schema published in the AsyncAPI document,
 * so a producer drifting from the documented contract fails the tests. Returns the errors, if any.
 */
export function eventSchemaErrors(routingKey: RoutingKey, body: unknown): string[] {
  const validate = ajv.getSchema(`events#/components/schemas/${PAYLOAD_SCHEMA_OF[routingKey]}`);
  if (!validate) throw new Error(`no schema for ${routingKey}`);
  if (validate(body)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
}
