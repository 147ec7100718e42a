import {
  type ObjectOptions,
  type SchemaOptions,
  type Static,
  type TProperties,
  type TSchema,
  type TUnion,
  type TUnsafe,
  Type,
} from '@sinclair/typebox';

/**
 * The few JSON Schema shapes the event contract is written in, on top of TypeBox: each builds the
 * schema the AsyncAPI document publishes and carries the TypeScript type derived from it, so a
 * payload's type and its schema are one definition.
 */

/** An object with exactly these properties: all required unless `Type.Optional`, no others. */
export const closedObject = <P extends TProperties>(properties: P, options: ObjectOptions = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

/** A string out of `values` (`{"type": "string", "enum": [...]}`, as SDK generators expect it). */
export const stringEnum = <L extends readonly string[]>(values: L, options: SchemaOptions = {}) =>
  Type.Unsafe<L[number]>({ type: 'string', enum: values, ...options });

/** Exactly one of the schemas (`oneOf`: the alternatives of the contract never overlap). */
export const oneOf = <T extends TSchema[]>(...schemas: [...T]) =>
  Type.Unsafe<Static<TUnion<T>>>({ oneOf: schemas });

export const nullable = <T extends TSchema>(schema: T) => oneOf(schema, Type.Null());

/** A database id. */
export const id = () => Type.Integer({ minimum: 1 });

/**
 * The schemas a document names (AsyncAPI `components.schemas`) and references to them: a reference
 * is made from the schema itself, so it always points at the name that schema was given, and its
 * type is that schema's.
 */
export class NamedSchemas {
  private readonly names = new Map<TSchema, string>();

  constructor(private readonly prefix: string) {}

  /** Gives `schema` its name in the document; returns it unchanged. */
  name<T extends TSchema>(name: string, schema: T): T {
    if ([...this.names.values()].includes(name)) throw new Error(`schema name ${name} is taken`);
    this.names.set(schema, name);
    return schema;
  }

  ref<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
    return Type.Unsafe<Static<T>>({ $ref: `${this.prefix}${this.nameOf(schema)}` });
  }

  nameOf(schema: TSchema): string {
    const name = this.names.get(schema);
    if (name === undefined) throw new Error('a reference to a schema that has no name');
    return name;
  }

  /** Every named schema by name, in the order they were named. */
  all(): Record<string, TSchema> {
    return Object.fromEntries([...this.names].map(([schema, name]) => [name, schema]));
  }
}
