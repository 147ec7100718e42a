import type { OpenAPIObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { isObject, Json, SCHEMA_REF } from './document-schemas';
import { SEED_SCHEMA_EXAMPLES } from './seed-examples';

const MAX_EXAMPLE_DEPTH = 8;

/**
 * Gives the response schemas that share the fields of a seed message (seed-examples.ts) that message
 * as their example, completed from the property examples.
 */
export function withSeedExamples(document: OpenAPIObject): OpenAPIObject {
  const schemas = { ...document.components?.schemas };
  for (const [name, seed] of Object.entries(SEED_SCHEMA_EXAMPLES)) {
    const schema = schemas[name];
    if (!schema || '$ref' in schema) continue;
    const fromProperties = exampleOf(schema, schemas, 0);
    schemas[name] = {
      ...schema,
      example: { ...(isObject(fromProperties) ? fromProperties : {}), ...seed },
    };
  }
  return { ...document, components: { ...document.components, schemas } };
}

/** What a required property without an example of its own shows, by type and format. */
function placeholder(schema: SchemaObject): Json {
  if (schema.type === 'boolean') return false;
  if (schema.type === 'integer' || schema.type === 'number') return schema.minimum ?? 0;
  if (schema.type !== 'string') return undefined;
  if (schema.format === 'date-time') return '2024-07-09T14:17:36.590Z';
  if (schema.format === 'uuid') return '936623ae-8969-4d73-8c04-527d1cb815ac';
  return 'string';
}

/**
 * An example value for `schema` made of the examples its properties declare; required properties
 * without one get a placeholder, so the example stays valid against the schema.
 */
function exampleOf(
  schema: SchemaObject | ReferenceObject,
  schemas: Record<string, SchemaObject | ReferenceObject>,
  depth: number,
): Json {
  if (depth > MAX_EXAMPLE_DEPTH) return undefined;
  if ('$ref' in schema) {
    const target = schemas[schema.$ref.slice(SCHEMA_REF.length)];
    return target ? exampleOf(target, schemas, depth + 1) : undefined;
  }
  if (schema.example !== undefined) return schema.example;
  const composed = schema.allOf?.[0] ?? schema.oneOf?.[0] ?? schema.anyOf?.[0];
  if (composed) return exampleOf(composed, schemas, depth + 1);
  if (schema.enum) return schema.enum[0];
  if (schema.type === 'array' && schema.items) {
    const item = exampleOf(schema.items, schemas, depth + 1);
    return item === undefined ? [] : [item];
  }
  if (!schema.properties) return undefined;
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties)
    .map(([key, property]) => {
      const value = exampleOf(property, schemas, depth + 1);
      const fallback =
        value === undefined && required.has(key) && !('$ref' in property)
          ? placeholder(property)
          : value;
      return [key, fallback] as const;
    })
    .filter(([, value]) => value !== undefined);
  return Object.fromEntries(entries);
}
