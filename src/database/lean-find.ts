import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import {
  columnOf,
  conditionsOf,
  conditionsShape,
  conditionsSql,
  escapeName,
  hydrateRows,
  LeanWhere,
  READ_ALIAS,
  readerOf,
  statementOf,
} from './entity-reader';

export type { LeanWhere } from './entity-reader';

export interface LeanFindOptions {
  where: LeanWhere;
  order?: Record<string, 'ASC' | 'DESC'>;
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
  const conditions = conditionsOf(metadata, options.where);
  const order = Object.entries(options.order ?? {});
  const shape = `find|${conditionsShape(conditions)}|${order.join(',')}`;
  const sql = statementOf(reader, shape, () => {
    const where = conditionsSql(manager, conditions);
    const orderBy = order.map(
      ([property, direction]) =>
        `${READ_ALIAS}.${escapeName(manager, columnOf(metadata, property).databaseName)} ${direction}`,
    );
    return (
      `SELECT ${reader.select} FROM ${reader.from}` +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      (orderBy.length > 0 ? ` ORDER BY ${orderBy.join(', ')}` : '')
    );
  });
  const rows = (await manager.query(
    sql,
    conditions.map((c) => c.value),
  )) as Array<Record<string, unknown>>;
  return hydrateRows<T>(manager, reader, rows);
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
