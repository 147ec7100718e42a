import { EntityManager, EntityMetadata, FindOperator, ObjectLiteral } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { hydrate, RowReader, rowReader } from './hydrate';

/** The table alias of every statement built here. */
export const READ_ALIAS = '"t"';

/** A value to match (`=`), or a list to match any of (`= ANY`); undefined adds no condition, as in find(). */
type LeanValue = string | number | boolean | readonly string[] | readonly number[];
export type LeanWhere = Record<string, LeanValue | FindOperator<unknown> | undefined>;

/** One column condition of a LeanWhere, its value as bound. */
export interface Condition {
  column: ColumnMetadata;
  list: boolean;
  value: unknown;
}

/**
 * How one entity is read without TypeORM's per-call query building: the select list, the table,
 * the columns in select-list order, and the statements built for it (one per query shape, kept for
 * the process: a handful per entity).
 */
export interface EntityReader {
  metadata: EntityMetadata;
  select: string;
  from: string;
  /** Each selected column and its key in the result rows (`c0`, `c1`, … in select-list order). */
  rows: RowReader;
  statements: Map<string, string>;
}

const READERS = new WeakMap<EntityMetadata, Map<string, EntityReader>>();

export function escapeName(manager: EntityManager, name: string): string {
  return manager.connection.driver.escape(name);
}

export function columnOf(metadata: EntityMetadata, property: string): ColumnMetadata {
  const column = metadata.findColumnWithPropertyPath(property);
  if (!column) throw new Error(`${metadata.name} has no column ${property}`);
  return column;
}

/**
 * The reader of `metadata`'s columns that find() hydrates (real properties selected by default,
 * VirtualColumns too), or of only the `properties` given.
 */
export function readerOf(
  manager: EntityManager,
  metadata: EntityMetadata,
  properties?: readonly string[],
): EntityReader {
  const byColumns = READERS.get(metadata) ?? new Map<string, EntityReader>();
  READERS.set(metadata, byColumns);
  const name = properties?.join(',') ?? '*';
  const known = byColumns.get(name);
  if (known) return known;
  const columns = properties
    ? properties.map((property) => columnOf(metadata, property))
    : metadata.columns.filter((column) => !column.isVirtual && column.isSelect);
  const select = columns
    .map((column, i) =>
      column.isVirtualProperty && column.query
        ? `(${column.query(READ_ALIAS)}) AS "c${i}"`
        : `${READ_ALIAS}.${escapeName(manager, column.databaseName)} AS "c${i}"`,
    )
    .join(', ');
  const from = `${metadata.tablePath
    .split('.')
    .map((part) => escapeName(manager, part))
    .join('.')} ${READ_ALIAS}`;
  const rows = rowReader(
    manager,
    columns.map((column, i) => [`c${i}`, column] as const),
  );
  const reader = { metadata, select, from, rows, statements: new Map<string, string>() };
  byColumns.set(name, reader);
  return reader;
}

/** The value a condition binds: lists and `In(...)` as one array parameter (`= ANY($n)`). */
function bound(value: LeanValue | FindOperator<unknown>): { list: boolean; value: unknown } {
  if (value instanceof FindOperator) {
    if (value.type !== 'in') throw new Error(`leanFind supports In(), not ${value.type}`);
    return { list: true, value: value.value };
  }
  return { list: Array.isArray(value), value };
}

export function conditionsOf(metadata: EntityMetadata, where: LeanWhere): Condition[] {
  return Object.entries(where).flatMap(([property, value]) =>
    value === undefined ? [] : [{ column: columnOf(metadata, property), ...bound(value) }],
  );
}

/** What distinguishes the SQL of these conditions from that of others (not their values). */
export function conditionsShape(conditions: Condition[]): string {
  return conditions.map((c) => `${c.column.propertyPath}${c.list ? '[]' : ''}`).join(',');
}

/** The conditions as SQL, each value where `placeholder` says (by default `$1`, `$2`, …). */
export function conditionsSql(
  manager: EntityManager,
  conditions: Condition[],
  placeholder: (index: number) => string = (index) => `$${index + 1}`,
): string[] {
  return conditions.map(
    (c, i) =>
      `${READ_ALIAS}.${escapeName(manager, c.column.databaseName)} ${c.list ? '= ANY' : '='}(${placeholder(i)})`,
  );
}

/** The statement for `shape`, built by `build` the first time it is asked for. */
export function statementOf(reader: EntityReader, shape: string, build: () => string): string {
  const known = reader.statements.get(shape);
  if (known !== undefined) return known;
  const sql = build();
  reader.statements.set(shape, sql);
  return sql;
}

export function hydrateRows<T extends ObjectLiteral>(
  manager: EntityManager,
  reader: EntityReader,
  rows: Array<Record<string, unknown>>,
): T[] {
  return rows.map((row) => hydrate<T>(manager, reader.metadata, reader.rows, row));
}
