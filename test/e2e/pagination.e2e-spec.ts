import { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { PROBLEM_CONTENT_TYPE } from '../../src/common/errors/problem';
import { WORKLOAD_SORT_FIELDS } from '../../src/workload/dto/list-workloads.query';
import { authHeader } from '../support/auth';
import { resetDatabase, startApi } from '../support/app';

interface Meta {
  page: number | null;
  limit: number;
  total: number | null;
  total_pages: number | null;
  count: string;
  next_cursor: string | null;
}

const BASE = `'2026-01-01T00:00:00Z'::timestamptz`;

/**
 * Cursor pagination of every list route against the real database: rows are inserted between and
 * during page requests, anywhere in the sort order, and the walk must still return each row that
 * existed before it exactly once, in the database's order.
 */
describe('List pagination: cursors, pages and totals (e2e, real database)', () => {
  let app: NestExpressApplication;
  let http: ReturnType<typeof request>;
  let db: DataSource;
  let tenantA: string;
  let tenantB: string;
  let big: string;
  let documentId: number;

  const list = (path: string, query: Record<string, string | number>, auth = tenantA) =>
    http.get(path).query(query).set('Authorization', auth);

  const ids = async (sql: string, parameters: unknown[] = []): Promise<number[]> =>
    ((await db.query(sql, parameters)) as Array<{ id: number }>).map((row) => Number(row.id));

  const insertWorkloads = (tenant: string, count: number, spreadMicros: number) =>
    db.query(
      `INSERT INTO workload_document (tenant, owner, name, version, status, created_at, updated_at)
       SELECT $1, 'alice', 'chart-' || (n % 8), '1.0.' || n || '-' || $4::text,
              (ARRAY['pending', 'onboarding', 'accepted', 'rejected'])[1 + n % 4],
              ${BASE} + ((random() * $3)::int) * interval '1 microsecond',
              ${BASE} + ((random() * $3)::int) * interval '1 millisecond'
         FROM generate_series(1, $2) AS n`,
      [tenant, count, spreadMicros, randomUUID().slice(0, 8)],
    );

  const insertIntents = (count: number) =>
    db.query(
      `WITH i AS (
         INSERT INTO intent (owner, tenant, user_label, observation_period)
         SELECT 'alice', 'tenant-a', CASE WHEN n % 2 = 0 THEN 'FederatedLearning' ELSE 'Other' END, 60
           FROM generate_series(1, $1) AS n RETURNING id),
       r AS (INSERT INTO intent_report (intent_id) SELECT id FROM i RETURNING id, intent_id)
       INSERT INTO intent_fulfilment_report (intent_id, intent_report_id, fulfilment_status)
       SELECT intent_id, id, 'NOT_FULFILLED' FROM r`,
      [count],
    );

  const insertInstances = (count: number) =>
    db.query(
      `INSERT INTO workload_instance (instance_id, workload_document_id, release_name, status,
                                      cluster_name, manifests, owner, tenant)
       SELECT gen_random_uuid(), $1, 'rel-' || substr(md5(random()::text), 1, 12),
              CASE WHEN n % 2 = 0 THEN 'deployed' ELSE 'rendered' END, 'edge', '[]', 'alice', 'tenant-a'
         FROM generate_series(1, $2) AS n`,
      [documentId, count],
    );

  /**
   * Follows next_cursor from the first page to the last, inserting a row while each page is being
   * requested and another between pages. Checks what the walk saw against the table afterwards.
   */
  async function walk(
    path: string,
    query: Record<string, string | number>,
    orderSql: string,
    insert: () => Promise<unknown>,
  ): Promise<number[]> {
    const before = await ids(orderSql);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const [page] = await Promise.all([
        list(path, { ...query, ...(cursor === null ? {} : { cursor }) }).expect(200),
        insert(),
      ]);
      const meta = page.body.meta as Meta;
      expect(meta.page).toBe(cursor === null ? 1 : null);
      expect(page.body.items.length).toBeLessThanOrEqual(Number(query.limit));
      seen.push(...page.body.items.map((item: { id: number }) => item.id));
      cursor = meta.next_cursor;
      if (cursor !== null) expect(page.body.items).toHaveLength(Number(query.limit));
      await insert();
      pages += 1;
      expect(pages).toBeLessThan(200);
    } while (cursor !== null);
    const after = await ids(orderSql);
    expect(new Set(seen).size).toBe(seen.length);
    expect(before.filter((id) => !seen.includes(id))).toEqual([]);
    const walked = new Set(seen);
    expect(seen).toEqual(after.filter((id) => walked.has(id)));
    return seen;
  }

  beforeAll(async () => {
    app = await startApi();
    await resetDatabase(app);
    http = request(app.getHttpServer());
    db = app.get(DataSource);
    [tenantA, tenantB, big] = await Promise.all([
      authHeader({ tenant: 'tenant-a', subject: 'alice', roles: ['writer', 'service'] }),
      authHeader({ tenant: 'tenant-b', subject: 'bob' }),
      authHeader({ tenant: 'tenant-big', subject: 'carol' }),
    ]);
    await insertWorkloads('tenant-a', 40, 12);
    await insertWorkloads('tenant-b', 5, 12);
    await insertWorkloads('tenant-big', 1200, 1000);
    [documentId] = await ids(`SELECT id FROM workload_document WHERE tenant = 'tenant-a' LIMIT 1`);
    await insertIntents(30);
    await insertInstances(30);
  });

  afterAll(async () => {
    await app.close();
  });

  describe('GET /workloads by cursor', () => {
    let seeded: number;

    beforeAll(async () => {
      [seeded] = await ids(`SELECT max(id) AS id FROM workload_document WHERE tenant = 'tenant-a'`);
    });

    // Each walk starts from the 40 seeded rows, not from what earlier walks inserted.
    afterEach(async () => {
      await db.query(`DELETE FROM workload_document WHERE tenant = 'tenant-a' AND id > $1`, [
        seeded,
      ]);
    });

    it.each(
      WORKLOAD_SORT_FIELDS.flatMap((sort) => [[sort, 'asc'] as const, [sort, 'desc'] as const]),
    )('walks sort=%s order=%s exactly once through concurrent inserts', async (sort, order) => {
      const seen = await walk(
        '/api/v1/workloads',
        { sort, order, limit: 7 },
        `SELECT id FROM workload_document WHERE tenant = 'tenant-a' ORDER BY ${sort} ${order}, id ${order}`,
        () => insertWorkloads('tenant-a', 1, 12),
      );
      expect(seen.length).toBeGreaterThanOrEqual(40);
    });

    it('keeps the filters while walking', async () => {
      const seen = await walk(
        '/api/v1/workloads',
        { status: 'accepted', name: 'chart-2', limit: 2, order: 'asc' },
        `SELECT id FROM workload_document WHERE tenant = 'tenant-a' AND status = 'accepted'
          AND name = 'chart-2' ORDER BY created_at, id`,
        () => insertWorkloads('tenant-a', 1, 12),
      );
      expect(seen.length).toBeGreaterThan(0);
    });
  });

  it('walks GET /intents by cursor, with and without a filter', async () => {
    await walk(
      '/api/v1/intents',
      { limit: 4 },
      `SELECT id FROM intent WHERE tenant = 'tenant-a' ORDER BY id DESC`,
      () => insertIntents(1),
    );
    await walk(
      '/api/v1/intents',
      { limit: 3, order: 'asc', user_label: 'FederatedLearning' },
      `SELECT id FROM intent WHERE tenant = 'tenant-a' AND user_label = 'FederatedLearning' ORDER BY id`,
      () => insertIntents(1),
    );
  });

  it('walks GET /instances by cursor, with and without a filter', async () => {
    await walk(
      '/api/v1/instances',
      { limit: 4, order: 'asc' },
      `SELECT id FROM workload_instance WHERE tenant = 'tenant-a' ORDER BY id`,
      () => insertInstances(1),
    );
    await walk(
      '/api/v1/instances',
      { limit: 3, status: 'deployed', cluster_name: 'edge' },
      `SELECT id FROM workload_instance WHERE tenant = 'tenant-a' AND status = 'deployed' ORDER BY id DESC`,
      () => insertInstances(1),
    );
  });

  it('lists each instance with the intents about it (loaded for the whole page at once)', async () => {
    const [first, second] = (await db.query(
      `SELECT instance_id FROM workload_instance WHERE tenant = 'tenant-a' ORDER BY id LIMIT 2`,
    )) as Array<{ instance_id: string }>;
    const [intentId] = await ids(`SELECT min(id) AS id FROM intent WHERE tenant = 'tenant-a'`);
    const targets = [first.instance_id, first.instance_id, second.instance_id];
    for (const [position, instance] of targets.entries()) {
      await db.query(
        `WITH e AS (INSERT INTO intent_expectation (intent_id, position, expectation_id, expectation_verb)
                    VALUES ($1, $2, $3, 'ENSURE') RETURNING id)
         INSERT INTO expectation_object (intent_id, intent_expectation_id, object_type, object_instance)
         SELECT $1, id, 'NEMO_WORKLOAD', $4 FROM e`,
        [intentId + position, 100 + position, `e${position}`, instance],
      );
    }
    const page = await list('/api/v1/instances', { limit: 3, order: 'asc' }).expect(200);
    const intentsOf = (item: { intents: Array<{ id: number }> }) =>
      item.intents.map((intent) => intent.id);
    expect(page.body.items.map(intentsOf)).toEqual([[intentId, intentId + 1], [intentId + 2], []]);
  });

  it('keeps page working as before, and hands out a cursor to go on from any page', async () => {
    const order = await ids(
      `SELECT id FROM workload_document WHERE tenant = 'tenant-b' ORDER BY name, id`,
    );
    const page = await list(
      '/api/v1/workloads',
      { page: 2, limit: 2, sort: 'name', order: 'asc' },
      tenantB,
    ).expect(200);
    expect(page.body.items.map((item: { id: number }) => item.id)).toEqual(order.slice(2, 4));
    expect(page.body.meta).toEqual({
      page: 2,
      limit: 2,
      total: 5,
      total_pages: 3,
      count: 'exact',
      next_cursor: expect.any(String),
    });
    const next = await list(
      '/api/v1/workloads',
      { cursor: page.body.meta.next_cursor, limit: 2, sort: 'name', order: 'asc' },
      tenantB,
    ).expect(200);
    expect(next.body.items.map((item: { id: number }) => item.id)).toEqual(order.slice(4));
    expect(next.body.meta.next_cursor).toBeNull();
    const beyond = await list('/api/v1/workloads', { page: 9 }, tenantB).expect(200);
    expect(beyond.body).toMatchObject({ items: [], meta: { page: 9, next_cursor: null } });
  });

  describe('refusals (400 problem+json naming cursor)', () => {
    let cursor: string;

    beforeAll(async () => {
      const first = await list('/api/v1/workloads', { limit: 2, status: 'accepted' }).expect(200);
      cursor = first.body.meta.next_cursor;
    });

    const refused = async (path: string, query: Record<string, string | number>) => {
      const response = await list(path, query).expect(400);
      expect(response.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
      expect(response.body.errors).toEqual([{ field: 'cursor', reason: expect.any(String) }]);
      return response.body as { code: string; detail: string };
    };

    it('refuses cursor together with page', async () => {
      const problem = await refused('/api/v1/workloads', { cursor, page: 1, status: 'accepted' });
      expect(problem.code).toBe('validation_failed');
    });

    it('refuses a cursor used with other filters, sort, order or on another list', async () => {
      const queries: Array<Record<string, string>> = [
        { cursor },
        { cursor, status: 'rejected' },
        { cursor, status: 'accepted', sort: 'name' },
        { cursor, status: 'accepted', order: 'asc' },
      ];
      for (const query of queries) {
        expect(await refused('/api/v1/workloads', query)).toMatchObject({ code: 'invalid_cursor' });
      }
      await refused('/api/v1/intents', { cursor });
      await refused('/api/v1/instances', { cursor });
      // limit and count may change along the way
      await list('/api/v1/workloads', {
        cursor,
        status: 'accepted',
        limit: 5,
        count: 'none',
      }).expect(200);
    });

    it('refuses tampered cursors', async () => {
      const body = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      const forged = (change: Record<string, unknown>) =>
        Buffer.from(JSON.stringify({ ...body, ...change })).toString('base64url');
      for (const bad of [
        cursor.slice(0, -3),
        `${cursor.slice(0, 10)}${cursor[10] === 'A' ? 'B' : 'A'}${cursor.slice(11)}`,
        forged({ k: "2026-01-01'; DROP TABLE intent; --" }),
        forged({ i: -5 }),
        forged({ b: 'x' }),
        forged({ v: 99 }),
        'x'.repeat(600),
        'not a cursor!',
      ]) {
        await refused('/api/v1/workloads', { cursor: bad, status: 'accepted' });
      }
    });
  });

  describe('totals (count=)', () => {
    it('counts exactly by default while few rows match, and estimates beyond without a full scan', async () => {
      const small = await list('/api/v1/workloads', { limit: 50 }, tenantB).expect(200);
      expect(small.body.meta).toMatchObject({ total: 5, total_pages: 1, count: 'exact' });

      await db.query('ANALYZE workload_document');
      const estimated = await list('/api/v1/workloads', { limit: 50 }, big).expect(200);
      expect(estimated.body.meta.count).toBe('estimated');
      expect(estimated.body.meta.total).toBeGreaterThan(1000);
      expect(estimated.body.meta.total_pages).toBe(Math.ceil(estimated.body.meta.total / 50));
      expect(estimated.body.items).toHaveLength(50);
    });

    it('counts every row with count=exact and none with count=none', async () => {
      const exact = await list('/api/v1/workloads', { limit: 50, count: 'exact' }, big).expect(200);
      expect(exact.body.meta).toMatchObject({ total: 1200, total_pages: 24, count: 'exact' });
      const filtered = await list(
        '/api/v1/workloads',
        { count: 'exact', status: 'accepted' },
        big,
      ).expect(200);
      expect(filtered.body.meta.total).toBe(300);
      const none = await list('/api/v1/workloads', { limit: 50, count: 'none' }, big).expect(200);
      expect(none.body.meta).toMatchObject({ total: null, total_pages: null, count: 'none' });
      expect(none.body.meta.next_cursor).toEqual(expect.any(String));
      for (const path of ['/api/v1/intents', '/api/v1/instances']) {
        const counted = await list(path, { count: 'exact' }).expect(200);
        expect(counted.body.meta).toMatchObject({ count: 'exact', total: expect.any(Number) });
        const nothing = await list(path, { count: 'none' }).expect(200);
        expect(nothing.body.meta).toMatchObject({ count: 'none', total: null });
      }
      await list('/api/v1/workloads', { count: 'some' }).expect(400);
    });
  });
});
