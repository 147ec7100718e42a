import { EntityManager, EntityMetadata, EntityTarget, FindOperator, ObjectLiteral } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { hydrate, KeyedColumns } from './hydrate';

/** A value to match (`=`), or a list to match any of (`= ANY`); undefined adds no condition, as in find(). */
type LeanValue = string | number | boolean | readonly string[] | readonly number[];
export type LeanWhere = Record<string, LeanValue | FindOperator<unknown> | undefined>;

export interface LeanFindOptions {
  where: LeanWhere;
  order?: Record<string, 'ASC' | 'DESC'>;
}

/** What one entity reads: the select list, the table, and the columns in select-list order. */
interface EntityReader {
  select: string;
  from: string;
  /** Each selected column and its key in the result rows (`c0`, `c1`, … in select-list order). */
  keyed: KeyedColumns;
  /** SQL per filter shape (the where keys, list or not, and the order): a handful per entity. */
  statements: Map<string, string>;
}

const READERS = new WeakMap<EntityMetadata, EntityReader>();
const ALIAS = '"t"';

function readerOf(manager: EntityManager, metadata: EntityMetadata): EntityReader {
  const known = READERS.get(metadata);
  if (known) return known;
  const escape = (name: string) => manager.connection.driver.escape(name);
  // The columns find() hydrates: real properties that are selected by default (VirtualColumns too).
  const columns = metadata.columns.filter((column) => !column.isVirtual && column.isSelect);
  const select = columns
    .map((column, i) =>
      column.isVirtualProperty && column.query
        ? `(${column.query(ALIAS)}) AS "c${i}"`
        : `${ALIAS}.${escape(column.databaseName)} AS "c${i}"`,
    )
    .join(', ');
  const from = `${metadata.tablePath.split('.').map(escape).join('.')} ${ALIAS}`;
  const keyed = columns.map((column, i) => [`c${i}`, column] as const);
  const reader = { select, from, keyed, statements: new Map<string, string>() };
  READERS.set(metadata, reader);
  return reader;
}

function columnOf(metadata: EntityMetadata, property: string): ColumnMetadata {
  const column = metadata.findColumnWithPropertyPath(property);
  if (!column) throw new Error(`${metadata.name} has no column ${property}`);
  return column;
}

/** The value a condition binds: lists and `In(...)` as one array parameter (`= ANY($n)`). */
function bound(value: LeanValue | FindOperator<unknown>): { list: boolean; value: unknown } {
  if (value instanceof FindOperator) {
    if (value.type !== 'in') throw new Error(`leanFind supports In(), not ${value.type}`);
    return { list: true, value: value.value };
  }
  return { list: Array.isArray(value), value };
}

/**
 * `manager.find(entity, { where, order })` for the hot read paths, without TypeORM's per-call query
 * building and result transformation (≈ a sixth of a GET's CPU in the REST benchmark): the SQL is
 * built once per entity and filter shape, and rows are hydrated through the same column metadata
 * and driver conversions find() uses, so the entities are the same (test/integration/database/
 * lean-find.int-spec.ts compares them). Only column equality and lists; no relations.
 */
export async function leanFind<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  options: LeanFindOptions,
): Promise<T[]> {
  const metadata = manager.connection.getMetadata(entity);
  const reader = readerOf(manager, metadata);
  const conditions = Object.entries(options.where).flatMap(([property, value]) =>
    value === undefined ? [] : [{ column: columnOf(metadata, property), ...bound(value) }],
  );
  const order = Object.entries(options.order ?? {});
  const shape = JSON.stringify([conditions.map((c) => [c.column.propertyPath, c.list]), order]);
  let sql = reader.statements.get(shape);
  if (sql === undefined) {
    const escape = (name: string) => manager.connection.driver.escape(name);
    const where = conditions.map(
      (c, i) => `${ALIAS}.${escape(c.column.databaseName)} ${c.list ? '= ANY' : '='}($${i + 1})`,
    );
    const orderBy = order.map(
      ([property, direction]) =>
        `${ALIAS}.${escape(columnOf(metadata, property).databaseName)} ${direction}`,
    );
    sql =
      `SELECT ${reader.select} FROM ${reader.from}` +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      (orderBy.length > 0 ? ` ORDER BY ${orderBy.join(', ')}` : '');
    reader.statements.set(shape, sql);
  }
  const rows = (await manager.query(
    sql,
    conditions.map((c) => c.value),
  )) as Array<Record<string, unknown>>;
  return rows.map((row) => hydrate<T>(manager, metadata, reader.keyed, row));
}

/** One of leanFind's rows, or null. */
export async function leanFindOne<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  where: LeanWhere,
): Promise<T | null> {
  const [found] = await leanFind(manager, entity, { where });
  return found ?? null;
}
