import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import {
  CursorBinding,
  decodeCursor,
  encodeCursor,
  KeyType,
  Position,
} from '../common/pagination/cursor';
import { CountMode, EXACT_COUNT_UP_TO, PageMeta, PageQuery } from '../common/pagination/pagination';
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

/** How one list sorts: the public sort name, the entity property it sorts by and its key type. */
export interface SortSpec {
  name: string;
  property: string;
  type: KeyType;
}

/**
 * A condition beyond column equality, such as an EXISTS over another table: `sql` writes it over
 * the list's table (alias `t`) given the placeholder of its one parameter.
 */
export interface ListCondition {
  value: unknown;
  sql: (parameter: string) => string;
}

/** One list route's query: what it reads, how it filters and sorts, what its cursors are bound to. */
export interface ListSpec {
  /** Names the list in cursor bindings: a cursor of one list is refused by another. */
  resource: string;
  sort: SortSpec;
  /** Column equality, as leanFind takes it (undefined adds no condition). */
  where: LeanWhere;
  /** Further conditions by name (undefined adds none); the name stands for the SQL in the statement cache. */
  matching?: Record<string, ListCondition | undefined>;
  /** Only these properties are read (default: every column find() reads). */
  select?: readonly string[];
  /** Every filter of the request as the client gave it (undefined = not given). */
  filters: CursorBinding['filters'];
}

/** A list request's filters: their parameters ($1…) and statement-cache shape; SQL only when built. */
interface Filter {
  conditions: Condition[];
  matching: Array<ListCondition & { name: string }>;
  parameters: unknown[];
  shape: string;
}

interface Total {
  total: number | null;
  count: CountMode;
}

const KEY_ALIAS = 'page_cursor_key';
const ID_ALIAS = 'page_cursor_id';

function filterOf(reader: EntityReader, spec: ListSpec): Filter {
  const conditions = conditionsOf(reader.metadata, spec.where);
  const matching = Object.entries(spec.matching ?? {}).flatMap(([name, condition]) =>
    condition === undefined ? [] : [{ name, ...condition }],
  );
  return {
    conditions,
    matching,
    parameters: [...conditions.map((c) => c.value), ...matching.map((m) => m.value)],
    shape: `${spec.resource}|${conditionsShape(conditions)}|${matching.map((m) => m.name).join(',')}`,
  };
}

/** The filter's WHERE clause (with `more` conditions after it), built once per statement. */
function whereSql(manager: EntityManager, filter: Filter, ...more: string[]): string {
  const first = filter.conditions.length + 1;
  const sql = [
    ...conditionsSql(manager, filter.conditions),
    ...filter.matching.map((m, i) => m.sql(`$${first + i}`)),
    ...more,
  ];
  return sql.length > 0 ? ` WHERE ${sql.join(' AND ')}` : '';
}

/** Whether the list sorts by the entity's id alone (then a position is that id). */
function sortsById(reader: EntityReader, sort: SortSpec): boolean {
  return sort.property === reader.metadata.primaryColumns[0]?.propertyName;
}

/** The sort and id columns as SQL: the entity's one primary column is the tie-breaker. */
function keysOf(manager: EntityManager, reader: EntityReader, sort: SortSpec) {
  const [primary, ...more] = reader.metadata.primaryColumns;
  if (!primary || more.length > 0) throw new Error('fetchPage needs one primary column');
  const column = (name: string) => `${READ_ALIAS}.${escapeName(manager, name)}`;
  return {
    sort: column(columnOf(reader.metadata, sort.property).databaseName),
    id: column(primary.databaseName),
    sortIsId: sortsById(reader, sort),
  };
}

/** Text of a timestamptz key to microseconds (a JavaScript Date would lose them and repeat rows). */
function keyExpression(sort: SortSpec, column: string): string {
  return sort.type === 'timestamptz'
    ? `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
    : column;
}

/**
 * The page statement of this shape: ordered by (sort, id), by keyset after a position or by
 * OFFSET, then LIMIT; its parameters after the filter's are (key, id) or (offset), then the limit.
 */
function pageStatement(
  manager: EntityManager,
  reader: EntityReader,
  filter: Filter,
  spec: ListSpec,
  ascending: boolean,
  seek: boolean,
): string {
  const shape = `page|${filter.shape}|${spec.sort.property}|${ascending}|${seek}`;
  return statementOf(reader, shape, () => {
    const keys = keysOf(manager, reader, spec.sort);
    const direction = ascending ? 'ASC' : 'DESC';
    const op = ascending ? '>' : '<';
    const next = filter.parameters.length + 1;
    // A row comparison: with (tenant, sort, id) indexes this is where the index scan starts.
    const after = keys.sortIsId
      ? `${keys.id} ${op} $${next}`
      : `(${keys.sort}, ${keys.id}) ${op} (CAST($${next} AS ${spec.sort.type}), $${next + 1})`;
    const where = seek ? whereSql(manager, filter, after) : whereSql(manager, filter);
    const order = keys.sortIsId
      ? `${keys.id} ${direction}`
      : `${keys.sort} ${direction}, ${keys.id} ${direction}`;
    const paging = seek
      ? `LIMIT $${next + (keys.sortIsId ? 1 : 2)}`
      : `OFFSET $${next} LIMIT $${next + 1}`;
    return (
      `SELECT ${reader.select}, ${keyExpression(spec.sort, keys.sort)} AS "${KEY_ALIAS}", ` +
      `${keys.id} AS "${ID_ALIAS}" FROM ${reader.from}${where} ORDER BY ${order} ${paging}`
    );
  });
}

function pageParameters(
  reader: EntityReader,
  filter: Filter,
  spec: ListSpec,
  query: PageQuery,
  position: Position | undefined,
): unknown[] {
  if (!position) return [...filter.parameters, query.skip, query.limit + 1];
  const key = sortsById(reader, spec.sort) ? [] : [position.key];
  return [...filter.parameters, ...key, position.id, query.limit + 1];
}

async function countRows(
  manager: EntityManager,
  reader: EntityReader,
  filter: Filter,
  mode: CountMode,
): Promise<Total> {
  if (mode === 'none') return { total: null, count: 'none' };
  const matching = () => `SELECT 1 FROM ${reader.from}${whereSql(manager, filter)}`;
  if (mode === 'exact') {
    const sql = statementOf(reader, `count|${filter.shape}`, () => {
      return `SELECT count(*)::int AS n FROM (${matching()}) AS matching`;
    });
    const [row] = (await manager.query(sql, filter.parameters)) as Array<{ n: number }>;
    return { total: row.n, count: 'exact' };
  }
  // Counting at most EXACT_COUNT_UP_TO + 1 rows answers most lists exactly in one statement,
  // whatever the table holds. Only past that is the planner asked: its estimate costs a plan, no
  // scan.
  const capped = statementOf(reader, `capped|${filter.shape}`, () => {
    return `SELECT count(*)::int AS n FROM (${matching()} LIMIT ${EXACT_COUNT_UP_TO + 1}) AS matching`;
  });
  const [row] = (await manager.query(capped, filter.parameters)) as Array<{ n: number }>;
  if (row.n <= EXACT_COUNT_UP_TO) return { total: row.n, count: 'exact' };
  const [plan] = (await manager.query(
    `EXPLAIN (FORMAT JSON) ${matching()}`,
    filter.parameters,
  )) as Array<{
    'QUERY PLAN': Array<{ Plan: { 'Plan Rows': number } }>;
  }>;
  const estimate = Math.round(plan['QUERY PLAN'][0].Plan['Plan Rows']);
  return { total: Math.max(estimate, row.n), count: 'estimated' };
}

/**
 * One page of `entity` as `spec` says: by keyset when `query.cursor` is given, by OFFSET for
 * `page`; ordered by (sort, id); limit + 1 rows read to know whether another page follows. The
 * total runs beside it as `query.count` says. The statements are built once per list shape (and
 * the rows hydrated as leanFind does): no query builder per request. Throws a 400 for a bad cursor
 * before touching the database.
 */
export async function fetchPage<E extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<E>,
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
  const reader = readerOf(manager, manager.connection.getMetadata(entity), spec.select);
  const filter = filterOf(reader, spec);
  const ascending = query.order === 'asc';
  const sql = pageStatement(manager, reader, filter, spec, ascending, position !== undefined);
  const [rows, total] = await Promise.all([
    manager.query(sql, pageParameters(reader, filter, spec, query, position)) as Promise<
      Array<Record<string, unknown>>
    >,
    countRows(manager, reader, filter, query.count),
  ]);
  const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
  const next = last && {
    key: spec.sort.type === 'integer' ? Number(last[KEY_ALIAS]) : String(last[KEY_ALIAS]),
    id: Number(last[ID_ALIAS]),
  };
  return {
    entities: hydrateRows<E>(manager, reader, rows.slice(0, query.limit)),
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
