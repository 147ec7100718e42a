import type { ClientBase, Pool, QueryResult } from 'pg';
import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import {
  columnOf,
  Condition,
  conditionsOf,
  conditionsShape,
  conditionsSql,
  EntityReader,
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
  const sql = statementOf(reader, findShape('find', conditions, options.order), () =>
    findSql(manager, reader, conditionsSql(manager, conditions), options.order),
  );
  const rows = (await manager.query(
    sql,
    conditions.map((c) => c.value),
  )) as Array<Record<string, unknown>>;
  return hydrateRows<T>(manager, reader, rows);
}

/** What distinguishes a find's statement from others of the entity (not its values). */
function findShape(
  kind: 'find' | 'all',
  conditions: Condition[],
  order: LeanFindOptions['order'],
): string {
  return `${kind}|${conditionsShape(conditions)}|${Object.entries(order ?? {}).join(',')}`;
}

function findSql(
  manager: EntityManager,
  reader: EntityReader,
  where: string[],
  order: LeanFindOptions['order'],
): string {
  const orderBy = Object.entries(order ?? {}).map(
    ([property, direction]) =>
      `${READ_ALIAS}.${escapeName(manager, columnOf(reader.metadata, property).databaseName)} ${direction}`,
  );
  return (
    `SELECT ${reader.select} FROM ${reader.from}` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    (orderBy.length > 0 ? ` ORDER BY ${orderBy.join(', ')}` : '')
  );
}

/** One leanFind of a batch: `entity` read with `where` (integers and integer lists only) and `order`. */
export interface LeanQuery<T extends ObjectLiteral> extends LeanFindOptions {
  entity: EntityTarget<T>;
}

/** A LeanQuery of `entity`, its type kept for leanFindAll's answer. */
export function lean<T extends ObjectLiteral>(
  entity: EntityTarget<T>,
  options: LeanFindOptions,
): LeanQuery<T> {
  return { entity, ...options };
}

/** Where a batch statement's template takes a condition's literal (a character SQL never holds). */
const SLOT = '\u0000';

type Found<Q> = Q extends LeanQuery<infer T> ? T[] : never;

/**
 * Several leanFinds in one round trip: their statements go to PostgreSQL as one simple-protocol
 * query, so a read of eleven tables costs one write and one wake-up of each side instead of eleven
 * (a socket write was ≈40 % of the api's CPU on `GET /intents/{id}` when each table had its own).
 * The simple protocol binds no parameters, so conditions take only integers, written as literals:
 * nothing a caller passes can become SQL. Rows are hydrated as leanFind hydrates them (pg parses
 * both protocols' text results alike). Inside a transaction it runs on the transaction's connection.
 */
export async function leanFindAll<const Q extends readonly LeanQuery<ObjectLiteral>[]>(
  manager: EntityManager,
  queries: Q,
): Promise<{ -readonly [K in keyof Q]: Found<Q[K]> }> {
  const readers = queries.map((query) => {
    const metadata = manager.connection.getMetadata(query.entity);
    const reader = readerOf(manager, metadata);
    const conditions = conditionsOf(metadata, query.where);
    const template = statementOf(reader, findShape('all', conditions, query.order), () =>
      findSql(
        manager,
        reader,
        conditionsSql(manager, conditions, () => SLOT),
        query.order,
      ),
    );
    return { reader, sql: withLiterals(template, conditions) };
  });
  const results = await simpleQuery(manager, readers.map((r) => r.sql).join(';\n'));
  return readers.map(({ reader }, i) =>
    hydrateRows(manager, reader, results[i].rows as Array<Record<string, unknown>>),
  ) as { -readonly [K in keyof Q]: Found<Q[K]> };
}

/** The template with each slot replaced by its condition's integer literal (`5`, `'{1,2}'`). */
function withLiterals(template: string, conditions: Condition[]): string {
  const parts = template.split(SLOT);
  let sql = parts[0];
  for (const [i, condition] of conditions.entries()) {
    const values: unknown[] = condition.list ? (condition.value as unknown[]) : [condition.value];
    if (!values.every((value) => Number.isSafeInteger(value)))
      throw new Error(`leanFindAll binds integers only, not ${condition.column.propertyPath}`);
    sql += (condition.list ? `'{${values.join(',')}}'` : String(values[0])) + parts[i + 1];
  }
  return sql;
}

/**
 * The results of `sql`'s statements, run as one simple query: on the transaction's connection
 * inside one, else on any of the pool's (no query runner built for a single query).
 */
async function simpleQuery(manager: EntityManager, sql: string): Promise<QueryResult[]> {
  const runner = manager.queryRunner;
  const client = runner
    ? ((await runner.connect()) as ClientBase)
    : ((manager.connection.driver as PostgresDriver).master as Pool);
  const results = (await client.query(sql)) as QueryResult | QueryResult[];
  return Array.isArray(results) ? results : [results];
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
