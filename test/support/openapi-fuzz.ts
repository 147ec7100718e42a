/**
 * Building blocks of the schema-driven fuzzer (test/e2e/fuzz.e2e-spec.ts): the operations of an
 * OpenAPI 3 document, its schemas resolved, and fast-check arbitraries that turn a valid request
 * into one that breaks exactly one rule — so that every request they make must be refused with a
 * 4xx problem, and none may change a row.
 */
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}

interface OperationObject {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, Schema> };
}

export interface Operation {
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path template, e.g. `/api/v1/intents/{id}`. */
  path: string;
  pathParams: Parameter[];
  queryParams: Parameter[];
  body?: { mediaType: string; schema: Schema };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => {
      const operation = item[method];
      const parameters = operation.parameters ?? [];
      const content = operation.requestBody?.content ?? {};
      const [mediaType] = Object.keys(content);
      return {
        id: operation.operationId,
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: parameters.filter((parameter) => parameter.in === 'path'),
        queryParams: parameters.filter((parameter) => parameter.in === 'query'),
        body: mediaType ? { mediaType, schema: content[mediaType].schema } : undefined,
      };
    }),
  );
}

/** Follows `$ref`s and folds single `allOf`s (how @nestjs/swagger writes a described enum). */
export function resolver(document: OpenApiDocument): (schema: Schema) => Schema {
  const resolve = (schema: Schema): Schema => {
    if (schema.$ref) {
      const name = schema.$ref.replace('#/components/schemas/', '');
      const { $ref: _ref, ...rest } = schema;
      return resolve({ ...document.components.schemas[name], ...rest });
    }
    if (schema.allOf) {
      const { allOf, ...rest } = schema;
      return allOf.map(resolve).reduce((merged, part) => ({ ...merged, ...part }), rest);
    }
    return schema;
  };
  return resolve;
}

/** The JSON types a schema allows (`integer` counts as its own type). */
export function typesOf(schema: Schema, resolve: (schema: Schema) => Schema): Set<string> {
  const types = new Set<string>();
  const branches = schema.oneOf ?? schema.anyOf;
  if (branches)
    branches.forEach((branch) => typesOf(resolve(branch), resolve).forEach((t) => types.add(t)));
  if (schema.type) types.add(schema.type);
  if (schema.enum && !schema.type) types.add('string');
  if (schema.nullable) types.add('null');
  return types;
}

type Segment = string | number;

/** A place in a body the schema describes: where it is, its schema, what is there now. */
export interface Slot {
  path: Segment[];
  schema: Schema;
  value: unknown;
  /** An object without declared properties (chart values): anything goes inside. */
  freeForm: boolean;
  /** A property its object does not require: the API takes null there as "not given". */
  optional: boolean;
}

/** Every slot of a body, walking the value and its schema together. */
export function slotsOf(
  value: unknown,
  schema: Schema,
  resolve: (schema: Schema) => Schema,
): Slot[] {
  const slots: Slot[] = [];
  const walk = (current: unknown, raw: Schema, path: Segment[], optional: boolean): void => {
    const resolved = resolve(raw);
    const freeForm = resolved.type === 'object' && !resolved.properties;
    slots.push({ path, schema: resolved, value: current, freeForm, optional });
    if (Array.isArray(current) && resolved.items) {
      current.forEach((item, index) =>
        walk(item, resolved.items as Schema, [...path, index], false),
      );
    } else if (isObject(current) && resolved.properties) {
      for (const [key, item] of Object.entries(current)) {
        const property = resolved.properties[key];
        if (property) walk(item, property, [...path, key], !resolved.required?.includes(key));
      }
    }
  };
  walk(value, schema, [], false);
  return slots;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of `value` with the thing at `path` replaced (or removed, for `undefined`). */
export function withAt(
  value: unknown,
  path: Segment[],
  replace: (old: unknown) => unknown,
): unknown {
  if (path.length === 0) return replace(value);
  const copy: unknown = structuredClone(value);
  let parent = copy as Record<Segment, unknown>;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<Segment, unknown>;
  const last = path[path.length - 1];
  const next = replace(parent[last]);
  if (next === undefined) delete parent[last];
  else parent[last] = next;
  return copy;
}

/** Every string leaf anywhere in a value (chart values included), with its path. */
export function stringPaths(value: unknown, path: Segment[] = []): Segment[][] {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value))
    return value.flatMap((item, index) => stringPaths(item, [...path, index]));
  if (isObject(value)) {
    return Object.entries(value).flatMap(([key, item]) => stringPaths(item, [...path, key]));
  }
  return [];
}

/** Every object anywhere in a value, with its path. */
export function objectPaths(value: unknown, path: Segment[] = []): Segment[][] {
  if (Array.isArray(value))
    return value.flatMap((item, index) => objectPaths(item, [...path, index]));
  if (!isObject(value)) return [];
  return [
    path,
    ...Object.entries(value).flatMap(([key, item]) => objectPaths(item, [...path, key])),
  ];
}

/** A body as it goes on the wire: bytes, plus the headers that describe them. */
export interface WireBody {
  bytes: Buffer;
  headers: Record<string, string>;
}

/** A Content-Type header, or none for the empty type. */
export function headersOf(contentType: string): Record<string, string> {
  return contentType ? { 'Content-Type': contentType } : {};
}

export interface Mutation {
  /** The class of defect, for the report (e.g. `nul`, `deep`, `wrong-type`). */
  kind: string;
  /** Where and what, for a reader of a failure. */
  note: string;
  /** Built when sent: a few of them are megabytes. */
  body: () => WireBody;
}

const JSON_TYPE = { 'Content-Type': 'application/json' };
const json = (value: unknown): WireBody => ({
  bytes: Buffer.from(JSON.stringify(value)),
  headers: JSON_TYPE,
});
const rawJson = (text: string): WireBody => ({ bytes: Buffer.from(text), headers: JSON_TYPE });
const show = (path: Segment[]): string =>
  path.reduce<string>(
    (text, segment) =>
      typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment,
    '',
  ) || '(body)';

const keyLists = new Map<number, string>();

/** `"k0":0,"k1":1,…` (made once per count). */
function manyKeys(count: number): string {
  let list = keyLists.get(count);
  if (list === undefined) {
    list = Array.from({ length: count }, (_, i) => `"k${i}":${i}`).join(',');
    keyLists.set(count, list);
  }
  return list;
}

let padded: Buffer | undefined;

/** A JSON body just past the default 1 MB limit (made once). */
function tooLarge(): Buffer {
  padded ??= Buffer.from(JSON.stringify({ padding: 'x'.repeat(1100 * 1024) }));
  return padded;
}

let bomb: Buffer | undefined;

/** 8 MB of JSON text in ≈ 8 KB of gzip (made once). */
export function gzipBomb(): Buffer {
  bomb ??= gzipSync(
    Buffer.concat([Buffer.from('{"a":"'), Buffer.alloc(8 * 1024 * 1024, 'x'), Buffer.from('"}')]),
  );
  return bomb;
}

/** A placeholder key that JSON.stringify keeps and the wire text swaps for a prototype key. */
const KEY_PLACEHOLDER = '__fuzz_key__';

/** A value of a JSON type the schema does not allow, or undefined when it allows them all. */
function wrongValueFor(allowed: Set<string>): fc.Arbitrary<unknown> | undefined {
  const candidates: Array<[string, unknown]> = [
    ['string', 'text'],
    ['number', 12.5],
    ['boolean', true],
    ['null', null],
    ['object', { x: 1 }],
    ['array', [1, 'two']],
  ];
  const wrong = candidates
    .filter(([type]) => !allowed.has(type) && !(type === 'number' && allowed.has('number')))
    .map(([, value]) => value);
  return wrong.length === 0 ? undefined : fc.constantFrom(...wrong);
}

/** The fast-check arbitraries of every defect class that applies to a valid JSON body. */
export function bodyMutations(
  valid: unknown,
  schema: Schema,
  resolve: (schema: Schema) => Schema,
): fc.Arbitrary<Mutation>[] {
  const slots = slotsOf(valid, schema, resolve);
  const described = slots;
  const pick = <T>(items: T[]): fc.Arbitrary<T> | undefined =>
    items.length === 0 ? undefined : fc.constantFrom(...items);
  const arbitraries: Array<fc.Arbitrary<Mutation> | undefined> = [];
  const text = JSON.stringify(valid);

  // wrong-type: a value of a JSON type its schema does not allow
  const allowedTypes = (slot: Slot): Set<string> => {
    const types = typesOf(slot.schema, resolve);
    if (slot.optional && types.size > 0) types.add('null');
    return types;
  };
  const typed = described
    .map((slot) => ({ slot, wrong: wrongValueFor(allowedTypes(slot)) }))
    .filter((entry) => entry.wrong !== undefined && typesOf(entry.slot.schema, resolve).size > 0);
  arbitraries.push(
    pick(typed)?.chain(({ slot, wrong }) =>
      (wrong as fc.Arbitrary<unknown>).map((value) => ({
        kind: 'wrong-type',
        note: `${show(slot.path)} = ${JSON.stringify(value)}`,
        body: () => json(withAt(valid, slot.path, () => value)),
      })),
    ),
  );

  // missing-required: a required field left out
  const required = described.flatMap((slot) =>
    isObject(slot.value)
      ? (slot.schema.required ?? [])
          .filter((key) => key in (slot.value as object))
          .map((key) => [...slot.path, key])
      : [],
  );
  arbitraries.push(
    pick(required)?.map((path) => ({
      kind: 'missing-required',
      note: show(path),
      body: () => json(withAt(valid, path, () => undefined)),
    })),
  );

  // too-long / pattern: a string beyond maxLength, one that breaks the pattern
  const bounded = described.filter(
    (slot) => typeof slot.value === 'string' && slot.schema.maxLength !== undefined,
  );
  arbitraries.push(
    pick(bounded)?.chain((slot) =>
      fc.integer({ min: 1, max: 100_000 }).map((extra) => ({
        kind: 'too-long',
        note: `${show(slot.path)}: ${(slot.schema.maxLength ?? 0) + extra} characters`,
        body: () =>
          json(withAt(valid, slot.path, () => 'x'.repeat((slot.schema.maxLength ?? 0) + extra))),
      })),
    ),
  );
  const patterned = described.filter(
    (slot) => typeof slot.value === 'string' && slot.schema.pattern,
  );
  arbitraries.push(
    pick(patterned)?.chain((slot) =>
      fc
        .constantFrom(
          // Only values the declared pattern really refuses: each case breaks exactly one rule.
          ...['UPPER', 'with space', '-edge-', 'dots.and/slashes', ''].filter(
            (value) => !new RegExp(slot.schema.pattern ?? '').test(value),
          ),
        )
        .map((value) => ({
          kind: 'pattern',
          note: `${show(slot.path)} = ${JSON.stringify(value)}`,
          body: () => json(withAt(valid, slot.path, () => value)),
        })),
    ),
  );

  // out-of-range: numbers beyond their bounds, fractions for integers, int4 overflow
  const numeric = described.filter((slot) => typeof slot.value === 'number');
  arbitraries.push(
    pick(
      numeric.filter(
        (slot) =>
          slot.schema.minimum !== undefined ||
          slot.schema.maximum !== undefined ||
          slot.schema.type === 'integer',
      ),
    )?.chain((slot) => {
      const values: number[] = [];
      if (slot.schema.maximum !== undefined) values.push(slot.schema.maximum + 1, 2 ** 31, 1e300);
      if (slot.schema.minimum !== undefined) values.push(slot.schema.minimum - 1, -(2 ** 31) - 1);
      if (slot.schema.type === 'integer') values.push(1.5);
      return fc.constantFrom(...values).map((value) => ({
        kind: 'out-of-range',
        note: `${show(slot.path)} = ${value}`,
        body: () => json(withAt(valid, slot.path, () => value)),
      }));
    }),
  );

  // bad-enum: a member no enum has
  const enums = described.filter((slot) => slot.schema.enum && typeof slot.value === 'string');
  arbitraries.push(
    pick(enums)?.chain((slot) =>
      fc
        .constantFrom(
          'NOT_A_MEMBER',
          '',
          (slot.value as string).toLowerCase(),
          ` ${String(slot.value)}`,
        )
        .filter((value) => !slot.schema.enum?.includes(value))
        .map((value) => ({
          kind: 'bad-enum',
          note: `${show(slot.path)} = ${JSON.stringify(value)}`,
          body: () => json(withAt(valid, slot.path, () => value)),
        })),
    ),
  );

  // array sizes: one item too many, none where one is required
  const arrays = described.filter((slot) => Array.isArray(slot.value));
  arbitraries.push(
    pick(
      arrays.filter(
        (slot) => slot.schema.maxItems !== undefined && (slot.value as unknown[]).length > 0,
      ),
    )?.map((slot) => ({
      kind: 'too-many-items',
      note: `${show(slot.path)}: ${(slot.schema.maxItems ?? 0) + 1} items`,
      body: () =>
        json(
          withAt(valid, slot.path, (items) =>
            Array.from({ length: (slot.schema.maxItems ?? 0) + 1 }, () => (items as unknown[])[0]),
          ),
        ),
    })),
    pick(arrays.filter((slot) => (slot.schema.minItems ?? 0) > 0))?.map((slot) => ({
      kind: 'too-few-items',
      note: `${show(slot.path)} = []`,
      body: () => json(withAt(valid, slot.path, () => [])),
    })),
  );

  // unknown-field: a property the schema does not declare
  const declared = described.filter((slot) => isObject(slot.value) && slot.schema.properties);
  arbitraries.push(
    pick(declared)?.chain((slot) =>
      fc.constantFrom('unexpected', 'ID', 'user-label', '$where').map((key) => ({
        kind: 'unknown-field',
        note: `${show(slot.path)}.${key}`,
        body: () =>
          json(withAt(valid, slot.path, (object) => ({ ...(object as object), [key]: 1 }))),
      })),
    ),
  );

  // nul: U+0000 in any string, chart values included, or in a key
  arbitraries.push(
    pick(stringPaths(valid))?.chain((path) =>
      fc.constantFrom('\u0000', 'a\u0000b', '\u0000\u0000\u0000').map((value) => ({
        kind: 'nul',
        note: show(path),
        body: () => json(withAt(valid, path, (old) => `${String(old)}${value}`)),
      })),
    ),
    pick(objectPaths(valid))?.map((path) => ({
      kind: 'nul-key',
      note: show(path),
      body: () => json(withAt(valid, path, (object) => ({ ...(object as object), 'k\u0000': 1 }))),
    })),
  );

  // prototype keys anywhere (JSON.parse makes them own keys; the wire text carries them)
  arbitraries.push(
    pick(objectPaths(valid))?.chain((path) =>
      fc.constantFrom('__proto__', 'constructor', 'prototype').map((key) => ({
        kind: 'proto-key',
        note: `${show(path)}.${key}`,
        body: () =>
          rawJson(
            JSON.stringify(
              withAt(valid, path, (object) => ({
                ...(object as object),
                [KEY_PLACEHOLDER]: { isAdmin: true },
              })),
            ).replace(`"${KEY_PLACEHOLDER}"`, `"${key}"`),
          ),
      })),
    ),
  );

  // deep: nesting far beyond the limit, at the top or in place of any value
  arbitraries.push(
    fc
      .record({
        depth: fc.constantFrom(33, 100, 2000, 6000, 20_000),
        open: fc.constantFrom('[', '{"a":'),
        path: fc.constantFrom(...slots.map((slot) => slot.path)),
      })
      .map(({ depth, open, path }) => {
        const close = open === '[' ? ']' : '}';
        const nested = `${open.repeat(depth)}${open === '[' ? '' : '1'}${close.repeat(depth)}`;
        const marked = JSON.stringify(withAt(valid, path, () => KEY_PLACEHOLDER));
        return {
          kind: 'deep',
          note: `${show(path)}: ${depth} × ${open}`,
          body: () =>
            rawJson(path.length === 0 ? nested : marked.replace(`"${KEY_PLACEHOLDER}"`, nested)),
        };
      }),
  );

  // many-keys: more values than a body may hold, in any object
  arbitraries.push(
    pick(objectPaths(valid))?.chain((path) =>
      fc.constantFrom(2500, 60_000).map((count) => ({
        kind: 'many-keys',
        note: `${show(path)}: ${count} keys`,
        body: () =>
          rawJson(
            JSON.stringify(
              withAt(valid, path, (object) => ({ ...(object as object), [KEY_PLACEHOLDER]: 0 })),
            ).replace(`"${KEY_PLACEHOLDER}":0`, manyKeys(count)),
          ),
      })),
    ),
  );

  // malformed JSON text
  arbitraries.push(
    fc.oneof(
      fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((cut) => ({
        kind: 'malformed',
        note: `cut at ${cut}`,
        body: () => rawJson(text.slice(0, cut)),
      })),
      fc
        .constantFrom(
          `${text}}`,
          `${text} x`,
          text.replace(/"/g, "'"),
          '{"a":NaN}',
          '{"a":1,}',
          '[1,]',
          '"text"',
          '42',
          'null',
          '\u00ff\u00fe',
        )
        .map((broken) => ({
          kind: 'malformed',
          note: broken.slice(0, 40),
          body: () => rawJson(broken),
        })),
      fc.constant({
        kind: 'malformed',
        note: 'invalid UTF-8',
        body: () => ({
          bytes: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]),
          headers: JSON_TYPE,
        }),
      }),
    ),
  );

  // too-large: past the body limit, before or after decompression
  arbitraries.push(
    fc.constant({
      kind: 'too-large',
      note: '1.1 MB',
      body: () => ({ bytes: tooLarge(), headers: JSON_TYPE }),
    }),
    fc.constant({
      kind: 'gzip-bomb',
      note: '8 MB of spaces in 8 KB of gzip',
      body: () => ({ bytes: gzipBomb(), headers: { ...JSON_TYPE, 'Content-Encoding': 'gzip' } }),
    }),
  );

  // content encoding that does not match the bytes, or that the server does not speak
  arbitraries.push(
    fc
      .record({
        encoding: fc.constantFrom(
          'gzip',
          'deflate',
          'br',
          'zstd',
          'compress',
          'x-evil',
          'gzip, gzip',
        ),
        truncate: fc.boolean(),
      })
      .map(({ encoding, truncate }) => ({
        kind: 'bad-encoding',
        note: `${encoding}${truncate && encoding === 'gzip' ? ' (truncated gzip)' : ''}`,
        body: () => {
          const zipped = gzipSync(text);
          const bytes =
            encoding === 'gzip' && truncate
              ? zipped.subarray(0, zipped.length - 8)
              : Buffer.from(text);
          return { bytes, headers: { ...JSON_TYPE, 'Content-Encoding': encoding } };
        },
      })),
  );

  // wrong content type for a JSON route
  arbitraries.push(
    fc
      .constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
        'multipart/form-data; boundary=fuzz',
        'application/octet-stream',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        '',
      )
      .map((type) => ({
        kind: 'content-type',
        note: type || '(none)',
        body: () => ({ bytes: Buffer.from(text), headers: headersOf(type) }),
      })),
  );

  return arbitraries.filter(
    (arbitrary): arbitrary is fc.Arbitrary<Mutation> => arbitrary !== undefined,
  );
}

/** Spellings of an id that a loose parser reads as that id (`Number()`, parseInt, a cast). */
export function looseSpellings(id: number): string[] {
  return [
    `0x${id.toString(16)}`,
    `${id}e0`,
    `+${id}`,
    ` ${id}`,
    `${id} `,
    `${id}.0`,
    `0${id}`,
    `${id}.`,
    `${id}n`,
    `${id}abc`,
  ];
}

/** Values that are not a canonical int4 id. */
export const badIds = (seed: number): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(...looseSpellings(seed)),
    fc.constantFrom(
      '0',
      '-1',
      '2147483648',
      '4294967296',
      '99999999999999999999',
      '1e3',
      'NaN',
      'Infinity',
      'null',
      // Not '': an empty last segment names another route (`/intents/` is the list), not a bad id.
      '١٢',
      '%00',
      '1%00',
    ),
    fc.bigInt({ min: 2n ** 31n, max: 2n ** 70n }).map(String),
    fc.integer({ min: -(2 ** 31), max: 0 }).map(String),
    fc.string({ minLength: 1, maxLength: 40 }).filter((text) => !/^[1-9]\d{0,9}$/.test(text)),
  );

/** Values that are not a UUID. */
export const badUuids = (seed: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(
      ` ${seed}`,
      `${seed} `,
      `${seed}0`,
      seed.slice(1),
      seed.replace(/-/g, ''),
      `{${seed}}`,
      `urn:uuid:${seed}`,
      seed.replace(/[0-9a-f]$/, 'g'),
      '%00',
      '1',
    ),
    fc
      .string({ minLength: 1, maxLength: 60 })
      .filter((text) => !/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(text)),
  );

/** Strings a query or path string parameter must refuse (NUL) or that exceed any sane bound. */
export const hostileStrings = (maxLength = 1000): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('\u0000', 'a\u0000', '\u0000DROP TABLE intent'),
    fc.string({ minLength: 0, maxLength: 20 }).map((text) => `${text}\u0000${text}`),
    fc.integer({ min: maxLength + 1, max: maxLength + 10_000 }).map((length) => 'q'.repeat(length)),
  );
