/**
 * List benchmark (issue 14, items 2 and 3): `GET /api/v1/workloads?limit=50` end to end through
 * HTTP against the built api role (`node dist/src/main.js api`, as production runs it), on a
 * database of the benchmark's own seeded with generate_series: tenant `small` holds 100 workload
 * documents, tenant `large` 1,000,000 (same table). Tokens come from a loopback OIDC issuer.
 *
 * 1. Latency, one request at a time, the cases taking turns request by request, after a warm-up;
 *    the median of the rounds' p50s: the first page at 100 rows, the first page at 1,000,000 rows, and
 *    at 1,000,000 rows the page reached by following `next_cursor` 1,000 times. For contrast (not a
 *    target) the same depth by `page=1001` (OFFSET). Targets: first page grows < 1.5× from 100 to
 *    1,000,000 rows; the deep cursor page within 1.5× of the first page.
 * 2. Memory: ≥ 100,000 list requests (the three cases, BENCH_CONCURRENCY at a time) with the api's
 *    RSS sampled every second; prints the samples per 10,000 requests and the growth over the
 *    second half of the run (target: none beyond noise).
 *
 * `npm run bench:lists` (services running). BENCH_ROWS (default 1,000,000), BENCH_ROUNDS (3),
 * BENCH_SAMPLES per case and round (200), BENCH_REQUESTS (100,000), BENCH_CONCURRENCY (8).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  BENCH_AUDIENCE,
  freePort,
  rssMiB,
  startIssuer,
  startServer,
  stopServer,
  runBench,
} from './processes';
import { benchServices, createMigratedDatabase, median, percentile } from './support';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SMALL_ROWS = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LIMIT = 50;
/** 1,000 pages deep (fewer when BENCH_ROWS is too small for that). */
const DEPTH = Math.min(1000, Math.floor(ROWS / LIMIT) - 1);
const TARGETS = { first_page_growth: 1.5, deep_over_first: 1.5 };

const round2 = (value: number): number => Number(value.toFixed(2));

/** Documents of a tenant, one per second of creation time going back, statuses mixed. */
async function seed(databaseUrl: string): Promise<{ seed_s: number }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const begin = performance.now();
  try {
    for (const [tenant, rows] of [
      ['small', SMALL_ROWS],
      ['large', ROWS],
    ] as const) {
      await client.query(
        `INSERT INTO workload_document (tenant, owner, name, version, status, description,
                                        created_at, updated_at)
         SELECT $1, 'bench-user', 'bench-chart-' || n, '1.0.0',
                (ARRAY['pending', 'onboarding', 'accepted', 'rejected'])[1 + n % 4],
                'a benchmark chart', now() - n * interval '1 second', now() - n * interval '1 second'
           FROM generate_series(1, $2::int) AS n`,
        [tenant, rows],
      );
    }
    await client.query('VACUUM ANALYZE workload_document');
    return { seed_s: round2((performance.now() - begin) / 1000) };
  } finally {
    await client.end();
  }
}

interface Case {
  name: string;
  url: string;
  token: string;
}

async function get(target: Case): Promise<{ items: unknown[]; meta: { next_cursor: string } }> {
  const response = await fetch(target.url, {
    headers: { authorization: `Bearer ${target.token}` },
  });
  const body = (await response.json()) as { items: unknown[]; meta: { next_cursor: string } };
  if (response.status !== 200) {
    throw new Error(`${target.name} answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body;
}

/** The cursor of the page after following next_cursor `depth` times from the first page. */
async function deepCursor(base: string, token: string, depth: number): Promise<string> {
  let cursor = '';
  for (let page = 0; page < depth; page++) {
    const query = cursor === '' ? '' : `&cursor=${cursor}`;
    const body = await get({
      name: 'walk',
      url: `${base}?limit=${LIMIT}&count=none${query}`,
      token,
    });
    cursor = body.meta.next_cursor;
  }
  return cursor;
}

async function timed(target: Case): Promise<number> {
  const begin = performance.now();
  const body = await get(target);
  const elapsed = performance.now() - begin;
  if (body.items.length !== LIMIT) throw new Error(`${target.name}: ${body.items.length} items`);
  return elapsed;
}

/**
 * Request by request the cases take turns (the OFFSET contrast every tenth turn, it is slow), so
 * that each sees the same load on this shared machine; p50 per case and round, median of rounds.
 */
async function latencyPart(cases: Case[], offsetCase: Case) {
  for (const target of [...cases, offsetCase]) {
    for (let i = 0; i < 20; i++) await timed(target);
  }
  const rounds: Record<string, number[]> = Object.fromEntries(
    [...cases, offsetCase].map((target) => [target.name, []]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    const times: Record<string, number[]> = Object.fromEntries(
      [...cases, offsetCase].map((target) => [target.name, []]),
    );
    for (let i = 0; i < SAMPLES; i++) {
      for (const target of cases) times[target.name].push(await timed(target));
      if (i % 10 === 0) times[offsetCase.name].push(await timed(offsetCase));
    }
    for (const [name, values] of Object.entries(times)) rounds[name].push(percentile(values, 50));
  }
  return Object.fromEntries(
    Object.entries(rounds).map(([name, p50s]) => [name, round2(median(p50s))]),
  );
}

async function memoryPart(cases: Case[], pid: number) {
  const samples: Array<{ requests: number; rss_mib: number }> = [];
  let done = 0;
  let next = 0;
  const sampler = setInterval(() => samples.push({ requests: done, rss_mib: rssMiB(pid) }), 1000);
  const begin = performance.now();
  const loop = async (): Promise<void> => {
    while (next < REQUESTS) {
      const target = cases[next++ % cases.length];
      await get(target);
      done += 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  } finally {
    clearInterval(sampler);
  }
  samples.push({ requests: done, rss_mib: rssMiB(pid) });
  const step = Math.max(1, Math.floor(REQUESTS / 10));
  const perStep = Array.from({ length: 11 }, (_, i) => {
    const sample = samples.find((entry) => entry.requests >= i * step) ?? samples.at(-1);
    return { requests: sample?.requests ?? 0, rss_mib: sample?.rss_mib ?? 0 };
  });
  const half = samples.filter((entry) => entry.requests >= REQUESTS / 2);
  return {
    requests: done,
    concurrency: CONCURRENCY,
    requests_per_s: Math.round(done / ((performance.now() - begin) / 1000)),
    rss_mib_every_tenth: perStep,
    rss_mib_max: Math.max(...samples.map((entry) => entry.rss_mib)),
    rss_mib_growth_over_second_half: (half.at(-1)?.rss_mib ?? 0) - (half[0]?.rss_mib ?? 0),
  };
}

async function main(): Promise<void> {
  const services = await benchServices('lists');
  const databaseUrl = await createMigratedDatabase('nemo_bench_lists');
  const seeded = await seed(databaseUrl);
  const issuer = await startIssuer();
  const reader = (tenant: string) =>
    issuer.sign(`bench-${tenant}`, { tenant, realm_access: { roles: ['nemo-reader'] } });
  const tokens = { small: await reader('small'), large: await reader('large') };
  const work = await mkdtemp(join(tmpdir(), 'nemo-bench-lists-'));
  const port = await freePort();
  const api = await startServer(
    ['dist/src/main.js', 'api'],
    {
      ...process.env,
      ...services,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      AUTH_MODE: 'oidc',
      OIDC_ISSUER_URL: issuer.issuer,
      OIDC_AUDIENCE: BENCH_AUDIENCE,
      RATE_LIMIT_PER_MINUTE: '100000000',
      RATE_LIMIT_BURST: '100000000',
      WORK_DIR: join(work, 'work'),
      LOG_FORMAT: 'json',
    },
    port,
  );
  try {
    const base = `http://127.0.0.1:${port}/api/v1/workloads`;
    const walkBegin = performance.now();
    const cursor = await deepCursor(base, tokens.large, DEPTH);
    const walkSeconds = (performance.now() - walkBegin) / 1000;
    const cases: Case[] = [
      { name: 'first_page_100', url: `${base}?limit=${LIMIT}`, token: tokens.small },
      { name: 'first_page_1m', url: `${base}?limit=${LIMIT}`, token: tokens.large },
      {
        name: 'cursor_page_1001_1m',
        url: `${base}?limit=${LIMIT}&cursor=${cursor}`,
        token: tokens.large,
      },
    ];
    const offsetCase: Case = {
      name: 'offset_page_1001_1m',
      url: `${base}?limit=${LIMIT}&page=${DEPTH + 1}`,
      token: tokens.large,
    };
    const p50 = await latencyPart(cases, offsetCase);
    const growth = round2(p50.first_page_1m / p50.first_page_100);
    const deep = round2(p50.cursor_page_1001_1m / p50.first_page_1m);
    const memory = await memoryPart(cases, api.pid ?? 0);
    process.stdout.write(
      `${JSON.stringify(
        {
          benchmark: 'lists',
          measures:
            'GET /api/v1/workloads?limit=50 over HTTP, built api role, one request at a time; p50 ms, median of rounds',
          rows: { small: SMALL_ROWS, large: ROWS },
          ...seeded,
          rounds: ROUNDS,
          samples_per_round: SAMPLES,
          p50_ms: p50,
          walk_1000_pages_by_cursor_s: round2(walkSeconds),
          ratios: {
            first_page_1m_over_100: growth,
            cursor_page_1001_over_first_page_1m: deep,
            offset_page_1001_over_first_page_1m: round2(
              p50.offset_page_1001_1m / p50.first_page_1m,
            ),
          },
          targets: TARGETS,
          meets_targets: growth < TARGETS.first_page_growth && deep < TARGETS.deep_over_first,
          memory,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await stopServer(api);
    issuer.server.close();
    await rm(work, { recursive: true, force: true });
  }
}

runBench(main);
