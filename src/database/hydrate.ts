import { EntityManager, EntityMetadata, ObjectLiteral } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/** The columns to read from a result row, each with its key in the row. */
export type KeyedColumns = ReadonlyArray<readonly [string, ColumnMetadata]>;

/** How one column of a result row becomes a property of the entity. */
interface ColumnRead {
  key: string;
  column: ColumnMetadata;
  /** The value as pg parsed it is the property's, written straight onto the entity. */
  asParsed: boolean;
}

/** How the rows of one select list become entities: built once per list, used for every row. */
export type RowReader = readonly ColumnRead[];

/**
 * Column types whose values PostgresDriver.prepareHydratedValue returns unchanged: pg's own type
 * parsing is their whole conversion (the driver converts design types such as Boolean or Number,
 * dates kept as text, enums, simple-json, hstore, …, which go through it as before).
 */
const AS_PARSED_TYPES = new Set<unknown>([
  'text',
  'varchar',
  'character varying',
  'int',
  'integer',
  'smallint',
  'bigint',
  'boolean',
  'uuid',
  'bytea',
  'json',
  'jsonb',
  'timestamptz',
]);

export function rowReader(manager: EntityManager, columns: KeyedColumns): RowReader {
  const postgres = manager.connection.driver.options.type === 'postgres';
  return columns.map(([key, column]) => ({
    key,
    column,
    asParsed:
      postgres &&
      !column.transformer &&
      !column.embeddedMetadata &&
      AS_PARSED_TYPES.has(column.type),
  }));
}

/**
 * One entity from one result row of a join-less query, built as TypeORM's own transformer builds
 * it (the entity's class, the column's setter and the driver's conversion of each value), without
 * its per-call grouping and alias bookkeeping; a plain column whose value needs no conversion is
 * assigned directly (the driver's type checks per value were two thirds of a list's hydration).
 * A column the row does not hold stays unset.
 */
export function hydrate<T extends ObjectLiteral>(
  manager: EntityManager,
  metadata: EntityMetadata,
  reader: RowReader,
  row: Record<string, unknown>,
): T {
  const driver = manager.connection.driver;
  const entity = metadata.create(manager.queryRunner, { fromDeserializer: true }) as T;
  for (const { key, column, asParsed } of reader) {
    const value = row[key];
    if (value === undefined) continue;
    if (asParsed) (entity as Record<string, unknown>)[column.propertyName] = value;
    else column.setEntityValue(entity, driver.prepareHydratedValue(value, column));
  }
  return entity;
}
