import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncApiDocument } from './asyncapi';
import { PAYLOAD_SCHEMA_OF, ROUTING_KEYS, RoutingKey } from './event-map';
import { EVENT_SCHEMAS } from './payloads';
import {
  INTENT_NOTIFY_MESSAGE,
  RUN_MESSAGE,
  SEED_DELETE_MESSAGE,
  SEED_UPLOAD_MESSAGE,
} from './seed-messages';

type Schema = Record<string, unknown>;

const PUBLISHED: Record<RoutingKey, unknown> = {
  upload: SEED_UPLOAD_MESSAGE,
  run: RUN_MESSAGE,
  'intent-notify': INTENT_NOTIFY_MESSAGE,
  delete: SEED_DELETE_MESSAGE,
};

function resolve(schema: Schema): Schema {
  const target = schema.$ref;
  if (typeof target !== 'string') return schema;
  return EVENT_SCHEMAS[target.replace('#/components/schemas/', '')] as unknown as Schema;
}

/** Every object of `value` has exactly the properties its schema lists, in the schema's order. */
function orderProblems(schema: Schema, value: unknown, path: string): string[] {
  const resolved = resolve(schema);
  if (Array.isArray(value)) {
    const items = resolved.items as Schema | undefined;
    return items ? value.flatMap((item, i) => orderProblems(items, item, `${path}[${i}]`)) : [];
  }
  if (value === null || typeof value !== 'object') return [];
  const alternatives = resolved.oneOf as Schema[] | undefined;
  if (alternatives) {
    const objects = alternatives.filter((alternative) => resolve(alternative).type === 'object');
    return objects.length === 1 ? orderProblems(objects[0], value, path) : [];
  }
  const properties = (resolved.properties ?? {}) as Record<string, Schema>;
  if (resolved.additionalProperties !== false) return [];
  const keys = Object.keys(value);
  const declared = Object.keys(properties).filter((key) => keys.includes(key));
  const own =
    JSON.stringify(keys) === JSON.stringify(declared)
      ? []
      : [`${path}: ${keys.join(',')} but the schema has ${Object.keys(properties).join(',')}`];
  return [
    ...own,
    ...keys.flatMap((key) =>
      properties[key]
        ? orderProblems(properties[key], (value as Schema)[key], `${path}.${key}`)
        : [],
    ),
  ];
}

describe('the event contract', () => {
  it('publishes the very schemas the payload types are derived from', () => {
    const document = asyncApiDocument('test') as { components: { schemas: unknown } };
    expect(document.components.schemas).toBe(EVENT_SCHEMAS);
    for (const key of ROUTING_KEYS) expect(EVENT_SCHEMAS[PAYLOAD_SCHEMA_OF[key]]).toBeDefined();
  });

  it('has the fields of every published seed message, in the seed order', () => {
    for (const key of ROUTING_KEYS) {
      const schema = EVENT_SCHEMAS[PAYLOAD_SCHEMA_OF[key]] as unknown as Schema;
      expect(orderProblems(schema, PUBLISHED[key], key)).toEqual([]);
    }
  });

  it('sees a field out of order or unknown to the schema', () => {
    const { name, ...rest } = SEED_UPLOAD_MESSAGE;
    const schema = EVENT_SCHEMAS.UploadEvent as unknown as Schema;
    expect(orderProblems(schema, { ...rest, name }, 'upload')).toHaveLength(1);
    const intent = {
      ...INTENT_NOTIFY_MESSAGE,
      intent_contexts: [
        { context_value_range: 1, context_attribute: 'a', context_condition: 'IS_EQUAL_TO' },
      ],
    };
    expect(orderProblems(EVENT_SCHEMAS.IntentObject as unknown as Schema, intent, 'i')).toEqual([
      'i.intent_contexts[0]: context_value_range,context_attribute,context_condition but the schema has id,context_attribute,context_condition,context_value_range',
    ]);
  });

  it('imports nothing but itself, node builtins and TypeBox', () => {
    const imports = readdirSync(__dirname)
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
      .flatMap((file) =>
        [...readFileSync(join(__dirname, file), 'utf8').matchAll(/from '([^']+)'/g)].map(
          (match) => match[1],
        ),
      );
    const foreign = imports.filter(
      (source) =>
        !/^\.\/[\w.-]+$/.test(source) &&
        !source.startsWith('node:') &&
        source !== '@sinclair/typebox',
    );
    expect(foreign).toEqual([]);
  });
});
