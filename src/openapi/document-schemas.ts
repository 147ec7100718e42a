import type { OpenAPIObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { NAMED_ENUMS, namedEnumFor } from './named-enums';

export type Json = unknown;

export const SCHEMA_REF = '#/components/schemas/';

export function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Replaces inline enums whose value set is registered by a reference to the named schema, and
 * folds enum components of another name with a registered value set into the registered one.
 */
export function nameEnums(document: OpenAPIObject): OpenAPIObject {
  const schemas = { ...document.components?.schemas };
  const aliases = new Map<string, string>();
  for (const [name, schema] of Object.entries(schemas)) {
    const target = isInlineEnum(schema) ? namedEnumFor(schema.enum) : undefined;
    if (!target) continue;
    delete schemas[name];
    if (target !== name) aliases.set(`${SCHEMA_REF}${name}`, `${SCHEMA_REF}${target}`);
  }
  const used = new Set<string>();
  const rewrite = (node: Json, key?: string): Json => {
    if (key === 'example' || key === 'examples') return node;
    if (Array.isArray(node)) return node.map((child) => rewrite(child));
    if (!isObject(node)) return node;
    if (typeof node.$ref === 'string' && aliases.has(node.$ref))
      return { ...node, $ref: aliases.get(node.$ref) };
    if (isInlineEnum(node)) {
      const named = referenceEnum(node);
      if (named) {
        used.add(named.name);
        return named.schema;
      }
    }
    return Object.fromEntries(
      Object.entries(node).map(([childKey, child]) => [childKey, rewrite(child, childKey)]),
    );
  };
  const rewritten = rewrite({
    ...document,
    components: { ...document.components, schemas },
  }) as OpenAPIObject;
  const text = JSON.stringify(rewritten);
  for (const name of Object.keys(NAMED_ENUMS))
    if (text.includes(`"${SCHEMA_REF}${name}"`)) used.add(name);
  const finalSchemas = { ...rewritten.components?.schemas };
  for (const name of used) {
    const { values, description } = NAMED_ENUMS[name];
    // A component of that name with other values stays as the module wrote it: the tests flag it.
    finalSchemas[name] ??= { type: 'string', enum: [...values], description };
  }
  return { ...rewritten, components: { ...rewritten.components, schemas: finalSchemas } };
}

/** Walks every value below `node` but examples, rebuilding objects bottom-up through `visit`. */
function mapObjects(node: Json, visit: (object: Record<string, Json>) => Json, key?: string): Json {
  if (key === 'example' || key === 'examples') return node;
  if (Array.isArray(node)) return node.map((child) => mapObjects(child, visit));
  if (!isObject(node)) return node;
  const children = Object.entries(node).map(([childKey, child]) => [
    childKey,
    mapObjects(child, visit, childKey),
  ]);
  return visit(Object.fromEntries(children) as Record<string, Json>);
}

/**
 * `nullable` gets the `type` OpenAPI 3.0.3 needs for it to mean "or null", and a lone `allOf`
 * wrapper without siblings becomes the schema it wraps. (Database ids declare their own int32
 * schema where they are defined: ID_SCHEMA, IdParam.)
 */
export function tidySchemas(document: OpenAPIObject): OpenAPIObject {
  const schemas = document.components?.schemas ?? {};
  const typeOf = (ref: Json): SchemaObject['type'] => {
    const name =
      typeof ref === 'string' && ref.startsWith(SCHEMA_REF) ? ref.slice(SCHEMA_REF.length) : '';
    const target = schemas[name];
    return target && !('$ref' in target) ? target.type : undefined;
  };
  return mapObjects(document, (visited) => {
    const node = visited;
    const keys = Object.keys(node);
    const allOf = Array.isArray(node.allOf) ? (node.allOf as Json[]) : undefined;
    if (allOf?.length === 1 && keys.length === 1) return allOf[0];
    if (node.nullable !== true || node.type !== undefined) return node;
    const only = allOf?.length === 1 && isObject(allOf[0]) ? allOf[0] : undefined;
    const referencedType = only ? typeOf(only.$ref) : undefined;
    if (referencedType) return { ...node, type: referencedType };
    return nullableFirstBranch(node);
  }) as OpenAPIObject;
}

/**
 * `oneOf: [number, string], nullable: true` does not admit null in OpenAPI 3.0.3 (nullable needs
 * a sibling `type`): move `nullable` onto the first typed branch, so exactly one branch takes null.
 */
function nullableFirstBranch(node: Record<string, Json>): Json {
  for (const keyword of ['oneOf', 'anyOf'] as const) {
    const branches = node[keyword];
    if (!Array.isArray(branches)) continue;
    const first = branches.findIndex((branch) => isObject(branch) && branch.type !== undefined);
    if (first < 0) continue;
    const { nullable: _nullable, ...rest } = node;
    const moved = branches.map((branch, index) =>
      index === first && isObject(branch) ? { ...branch, nullable: true } : branch,
    );
    return { ...rest, [keyword]: moved };
  }
  return node;
}

interface InlineEnum extends SchemaObject {
  enum: unknown[];
}

function isInlineEnum(node: Json): node is InlineEnum {
  return (
    isObject(node) &&
    Array.isArray(node.enum) &&
    node.enum.every((value) => typeof value === 'string') &&
    (node.type === undefined || node.type === 'string')
  );
}

function referenceEnum(
  schema: InlineEnum,
): { name: string; schema: SchemaObject | ReferenceObject } | undefined {
  const name = namedEnumFor(schema.enum);
  if (!name) return undefined;
  const { type: _type, enum: _values, ...rest } = schema;
  const ref: ReferenceObject = { $ref: `${SCHEMA_REF}${name}` };
  // OpenAPI 3.0 ignores siblings of $ref: keep description, default, nullable… beside an allOf.
  return { name, schema: Object.keys(rest).length === 0 ? ref : { ...rest, allOf: [ref] } };
}
