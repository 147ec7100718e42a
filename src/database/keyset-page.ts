import { EntityMetadata, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { Driver } from 'typeorm/driver/Driver';
import { DriverUtils } from 'typeorm/driver/DriverUtils';
import {
  CursorBinding,
  decodeCursor,
  encodeCursor,
  KeyType,
  Position,
} from '../common/pagination/cursor';
import { CountMode, EXACT_COUNT_UP_TO, PageMeta, PageQuery } from '../common/pagination/pagination';
import { hydrate, KeyedColumns } from './hydrate';

/** How one list sorts: the public sort name, its SQL column (`alias.column`) and key type. */
export interface SortSpec {
  name: string;
  column: string;
  type: KeyType;
}

/** One list route's query shape: what its cursors are bound to and how it seeks. */
export interface ListSpec {
  /** Names the list in cursor bindings: a cursor of one list is refused by another. */
  resource: string;
  sort: SortSpec;
  /** The unique tie-breaker column (`alias.id`), sorted in the same direction as `sort`. */
  id: string;
  /** Every filter of the request as the client gave it (undefined = not given). */
  filters: CursorBinding['filters'];
}

/**
 * The page's entities from its raw rows: one per row, since a list query joins nothing (TypeORM's
 * getRawAndEntities groups rows by primary key and rebuilds its column aliases on every call, a
 * tenth of a list's CPU in bench:rest).
 */
function hydratePage<E extends ObjectLiteral>(
  page: SelectQueryBuilder<E>,
  rows: Array<Record<string, unknown>>,
): E[] {
  const { mainAlias, joinAttributes } = page.expressionMap;
  if (!mainAlias?.hasMetadata || joinAttributes.length > 0)
    throw new Error('fetchPage reads one entity without joins');
  const columns = columnsOf(page.connection.driver, mainAlias.metadata, mainAlias.name);
  return rows.map((row) => hydrate<E>(page.connection.manager, mainAlias.metadata, columns, row));
}

const COLUMNS = new WeakMap<EntityMetadata, Map<string, KeyedColumns>>();

/** The entity's columns keyed by the aliases a query builder gives them (`alias_column`). */
function columnsOf(driver: Driver, metadata: EntityMetadata, alias: string): KeyedColumns {
  const byAlias = COLUMNS.get(metadata) ?? new Map<string, KeyedColumns>();
  COLUMNS.set(metadata, byAlias);
  const known = byAlias.get(alias);
  if (known) return known;
  const columns = metadata.columns
    .filter((column) => !column.isVirtual)
    .map(
      (column) =>
        [DriverUtils.buildAlias(driver, undefined, alias, column.databaseName), column] as const,
    );
  byAlias.set(alias, columns);
  return columns;
}

interface Total {
  total: number | null;
  count: CountMode;
}

const KEY_ALIAS = 'page_cursor_key';
const ID_ALIAS = 'page_cursor_id';

/**
 * Text of a timestamptz key to microseconds (a JavaScript Date would lose them and repeat rows).
 * Parenthesized: TypeORM takes a bare `alias.column` selection for the entity's own column.
 */
function keyExpression(sort: SortSpec): string {
  return sort.type === 'timestamptz'
    ? `to_char(${sort.column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
    : `(${sort.column})`;
}

function seek<E extends ObjectLiteral>(
  qb: SelectQueryBuilder<E>,
  spec: ListSpec,
  ascending: boolean,
  position: Position,
): void {
  const op = ascending ? '>' : '<';
  if (spec.sort.column === spec.id) {
    qb.andWhere(`${spec.id} ${op} :pageCursorId`, { pageCursorId: position.id });
    return;
  }
  // A row comparison: with (tenant, sort, id) indexes this is where the index scan starts.
  qb.andWhere(
    `(${spec.sort.column}, ${spec.id}) ${op} (CAST(:pageCursorKey AS ${spec.sort.type}), :pageCursorId)`,
    { pageCursorKey: position.key, pageCursorId: position.id },
  );
}

async function countRows<E extends ObjectLiteral>(
  qb: SelectQueryBuilder<E>,
  mode: CountMode,
): Promise<Total> {
  if (mode === 'none') return { total: null, count: 'none' };
  const [sql, parameters] = qb.clone().select('1', 'one').getQueryAndParameters();
  const db = qb.connection;
  if (mode === 'exact') {
    const [row] = (await db.query(
      `SELECT count(*)::int AS n FROM (${sql}) AS matching`,
      parameters,
    )) as Array<{ n: number }>;
    return { total: row.n, count: 'exact' };
  }
  // Counting at most EXACT_COUNT_UP_TO + 1 rows answers most lists exactly in one statement,
  // whatever the table holds. Only past that is the planner asked: its estimate costs a plan, no
  // scan.
  const [capped] = (await db.query(
    `SELECT count(*)::int AS n FROM (${sql} LIMIT ${EXACT_COUNT_UP_TO + 1}) AS matching`,
    parameters,
  )) as Array<{ n: number }>;
  if (capped.n <= EXACT_COUNT_UP_TO) return { total: capped.n, count: 'exact' };
  const [plan] = (await db.query(`EXPLAIN (FORMAT JSON) ${sql}`, parameters)) as Array<{
    'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }>;
  }>;
  const estimate = Math.round(plan['QUERY PLAN'][0].Plan['Plan Rows']);
  return { total: Math.max(estimate, capped.n), count: 'estimated' };
}

/**
 * One page of `qb` (its filters applied, no order or limit yet): by keyset when `query.cursor` is
 * given, by OFFSET for `page`; ordered by (sort, id); limit + 1 rows read to know whether another
 * page follows. The total runs beside it as `query.count` says. Throws a 400 for a bad cursor
 * before touching the database.
 */
export async function fetchPage<E extends ObjectLiteral>(
  qb: SelectQueryBuilder<E>,
  query: PageQuery,
  spec: ListSpec,
): Promise<{ entities: E[]; meta: PageMeta }> {
  const binding: CursorBinding = {
    resource: spec.resource,
    sort: spec.sort.name,
    order: query.order,
    filters: spec.filters,
  };
  const position =
    query.cursor === undefined ? undefined : decodeCursor(query.cursor, binding, spec.sort.type);
  const ascending = query.order === 'asc';
  const direction = ascending ? 'ASC' : 'DESC';
  const page = qb.clone();
  if (position) seek(page, spec, ascending, position);
  else page.offset(query.skip);
  page.orderBy(spec.sort.column, direction);
  if (spec.sort.column !== spec.id) page.addOrderBy(spec.id, direction);
  page
    .addSelect(keyExpression(spec.sort), KEY_ALIAS)
    .addSelect(`(${spec.id})`, ID_ALIAS)
    .limit(query.limit + 1);
  const [raw, total] = await Promise.all([
    page.getRawMany<Record<string, unknown>>(),
    countRows(qb, query.count),
  ]);
  const more = raw.length > query.limit;
  const last = more ? raw[query.limit - 1] : undefined;
  const next = last && {
    key: spec.sort.type === 'integer' ? Number(last[KEY_ALIAS]) : String(last[KEY_ALIAS]),
    id: Number(last[ID_ALIAS]),
  };
  return {
    entities: hydratePage<E>(page, raw.slice(0, query.limit)),
    meta: {
      page: position ? null : (query.page ?? 1),
      limit: query.limit,
      total: total.total,
      total_pages: total.total === null ? null : Math.ceil(total.total / query.limit),
      count: total.count,
      next_cursor: next ? encodeCursor(next, binding) : null,
    },
  };
}
