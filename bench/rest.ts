/**
 * REST benchmark (issue 14): the built api role (`node dist/src/main.js api`, as production runs it,
 * its logs on) against a raw `node:http` + `pg` server doing the same SQL, the same ES256 JWT check
 * and the same JSON (bench/rest-raw-server.ts), each its own process, on the same seeded database.
 * Before measuring, every read is asked of both servers once and their JSON compared: the benchmark
 * stops, naming the differing fields, when the raw server would do less work than the api.
 * Per path: a warm-up as long as a round, then rounds alternating ours/raw with autocannon at 32
 * connections; medians.
 * Prints one JSON object: req/s, p50, p99 and CPU ms per request per side, the ratios, p50 and p99
 * of both when paced at half the api's throughput (`at_half_load`), and the api's RSS sampled
 * during the run. On a loaded machine req/s ratios drift with the neighbours' load; the
 * CPU each server spends per request does not, so `cpu_ratio` (raw's CPU per request / ours) is the
 * figure to compare across runs.
 * `npm run bench:rest` (services running). BENCH_DURATION_S (default 5), BENCH_ROUNDS (default 3),
 * BENCH_PATHS (a substring filter on the path names), BENCH_PROFILE_DIR (both servers run with
 * `--cpu-prof` into that folder: where their time goes), BENCH_API_NODE_FLAGS (the api's node flags,
 * space-separated, in place of the production ones: to compare V8 settings), BENCH_TRACE=1 (the
 * api runs with bench/api-trace.ts preloaded, and each paced round of it adds `inside_api`: the
 * requests' time from node's request event to `finish`, the event loop's delay and GC pauses, as
 * the api saw them; medians of the rounds).
 */
import autocannon from 'autocannon';
import type { ApiTrace } from './api-trace';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  API_ENV,
  API_NODE_FLAGS,
  BENCH_AUDIENCE,
  freePort,
  rssMiB,
  startIssuer,
  startServer,
  stopServer,
  runBench,
} from './processes';
import { Figures, medianFigures, measure } from './load';
import { PacedFigures, LoadRequest, pacedLoad } from './paced';
import { benchServices, createMigratedDatabase, median } from './support';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 32;
const WORKLOADS = 100;
const INSTANCES = 2000;
const TENANT = 'bench';
const LOAD = { connections: CONNECTIONS, durationS: DURATION_S };
const TARGETS = { read_ratio: 0.6, write_ratio: 0.5, p99_ms: 50, rss_mib: 250 };

/** The JSON paths (`a.b[0].c`) where two answers differ: where the raw server does other work. */
function differences(ours: unknown, theirs: unknown, at = ''): string[] {
  if (typeof ours !== 'object' || ours === null || typeof theirs !== 'object' || theirs === null)
    return Object.is(ours, theirs) ? [] : [at || '(body)'];
  if (Array.isArray(ours) !== Array.isArray(theirs)) return [at || '(body)'];
  const a = ours as Record<string, unknown>;
  const b = theirs as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.flatMap((key) =>
    differences(a[key], b[key], Array.isArray(ours) ? `${at}[${key}]` : at ? `${at}.${key}` : key),
  );
}

/** Every read answers the same JSON from both servers, or the benchmark stops: a ratio is only honest over equal work. */
async function checkSameJson(paths: PathCase[], api: string, raw: string): Promise<void> {
  const found: string[] = [];
  for (const path of paths.filter((c) => c.kind === 'read')) {
    const [ours, theirs] = await Promise.all(
      [api, raw].map(async (base) => {
        const { url, headers } = path.request(base);
        const response = await fetch(url ?? '', { headers: headers as Record<string, string> });
        return response.json() as Promise<unknown>;
      }),
    );
    const differ = differences(ours, theirs);
    if (differ.length > 0) found.push(`${path.name} at ${differ.slice(0, 20).join(', ')}`);
  }
  if (found.length > 0) throw new Error(`the raw server answers other JSON: ${found.join('; ')}`);
}

/** 100 accepted documents with two mirrored images each, 2,000 instances, all of tenant `bench`. */
async function seed(databaseUrl: string): Promise<{ workloadId: number; instanceIds: string[] }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO workload_document (tenant, owner, name, version, status, description, accepted_at)
       SELECT $1, 'bench-user', 'bench-chart-' || n, '1.0.0', 'accepted', 'a benchmark chart', now()
         FROM generate_series(1, $2) AS n`,
      [TENANT, WORKLOADS],
    );
    await client.query(
      `INSERT INTO workload_image_mirror (document_id, source, mirrored, digest)
       SELECT d.id, 'docker.io/library/app-' || i || ':1.0', '127.0.0.1:55000/mirror/app-' || i || ':1.0',
              'sha256:' || repeat(i::text, 64 / length(i::text))
         FROM workload_document d, generate_series(1, 2) AS i`,
    );
    const { rows } = await client.query<{ id: number }>(
      'SELECT id FROM workload_document ORDER BY id LIMIT 1',
    );
    const workloadId = rows[0].id;
    const instanceIds = Array.from({ length: INSTANCES }, () => randomUUID());
    const manifests = JSON.stringify([
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web' },
        spec: { ports: [{ port: 80 }] },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: { replicas: 1 },
      },
    ]);
    await client.query(
      `INSERT INTO workload_instance (instance_id, workload_document_id, release_name, status,
         manifests, owner, tenant)
       SELECT id, $2, 'release-' || n, 'deployed', $3::json, 'bench-user', $4
         FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
      [instanceIds, workloadId, manifests, TENANT],
    );
    return { workloadId, instanceIds };
  } finally {
    await client.end();
  }
}

interface PathCase {
  name: string;
  kind: 'read' | 'write';
  /** The request, against one server's base URL: for autocannon and for the paced load. */
  request: (base: string) => LoadRequest;
}

/** autocannon's options for a path: its request, with a new body per request where it has one. */
function loadOptions(path: PathCase, base: string): autocannon.Options {
  const { body, ...request } = path.request(base);
  if (!body) return request;
  return { ...request, requests: [{ setupRequest: (r) => ({ ...r, body: body() }) }] };
}

/**
 * Latency when the servers are not saturated: both sent `rate` req/s, evenly spaced (half of the
 * api's saturated throughput; bench/paced.ts), rounds alternating. At 32 connections in a closed
 * loop, every server's p99 is its queue (32 requests in flight over its throughput); this shows
 * the tail without it.
 */
async function pacedLatency(
  path: PathCase,
  bases: { api: string; raw: string },
  rate: number,
  apiTrace?: () => Promise<ApiTrace>,
): Promise<Record<string, unknown>> {
  const ours: PacedFigures[] = [];
  const theirs: PacedFigures[] = [];
  const traces: ApiTrace[] = [];
  const run = (base: string) => pacedLoad(path.request(base), rate, DURATION_S, CONNECTIONS);
  for (let round = 0; round < ROUNDS; round++) {
    await apiTrace?.();
    ours.push(await run(bases.api));
    if (apiTrace) traces.push(await apiTrace());
    theirs.push(await run(bases.raw));
  }
  const medians = (rounds: PacedFigures[]) => ({
    p50_ms: median(rounds.map((r) => r.p50_ms)),
    p99_ms: median(rounds.map((r) => r.p99_ms)),
    errors: rounds.reduce((sum, r) => sum + r.errors + r.non_2xx, 0),
  });
  const insideApi = apiTrace && {
    inside_api: Object.fromEntries(
      (Object.keys(traces[0]) as Array<keyof ApiTrace>).map((key) => [
        key,
        median(traces.map((trace) => trace[key])),
      ]),
    ),
  };
  return {
    requests_per_s: Math.round(rate),
    ours: { ...medians(ours), ...insideApi },
    raw_jwt: medians(theirs),
  };
}

function cases(
  token: string,
  seeded: { workloadId: number; instanceIds: string[] },
  intentId: number,
): PathCase[] {
  const headers = { authorization: `Bearer ${token}` };
  let next = 0;
  const intentBody = (): string =>
    JSON.stringify({
      user_label: 'DeliverComputingWorkload',
      intent_expectations: [
        {
          expectation_verb: 'ENSURE',
          expectation_object: {
            object_type: 'NEMO_WORKLOAD',
            object_instance: seeded.instanceIds[next++ % seeded.instanceIds.length],
          },
          expectation_targets: [
            { target_name: 'cpuUsage', target_condition: 'IS_LESS_THAN', target_value_range: 20 },
          ],
        },
      ],
    });
  const get = (name: string, path: string): PathCase => ({
    name,
    kind: 'read',
    request: (base) => ({ url: `${base}/api/v1${path}`, headers }),
  });
  return [
    get('GET /workloads/{id}', `/workloads/${seeded.workloadId}`),
    get('GET /workloads?limit=50', '/workloads?limit=50'),
    get('GET /intents/{id}', `/intents/${intentId}`),
    get('GET /instances/{id}', `/instances/${seeded.instanceIds[0]}`),
    {
      name: 'POST /intents',
      kind: 'write',
      request: (base) => ({
        url: `${base}/api/v1/intents`,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: intentBody,
      }),
    },
  ];
}

async function createIntent(base: string, token: string, objectInstance: string): Promise<number> {
  const response = await fetch(`${base}/api/v1/intents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      user_label: 'DeliverComputingWorkload',
      intent_expectations: [
        {
          expectation_verb: 'ENSURE',
          expectation_object: { object_type: 'NEMO_WORKLOAD', object_instance: objectInstance },
          expectation_targets: [
            { target_name: 'cpuUsage', target_condition: 'IS_LESS_THAN', target_value_range: 20 },
          ],
        },
      ],
    }),
  });
  if (response.status !== 201)
    throw new Error(`intent creation: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: number }).id;
}

async function main(): Promise<void> {
  const services = await benchServices('rest');
  const databaseUrl = await createMigratedDatabase('nemo_bench_rest');
  const seeded = await seed(databaseUrl);
  const issuer = await startIssuer();
  const token = await issuer.sign('bench-user', {
    tenant: TENANT,
    realm_access: { roles: ['nemo-writer', 'nemo-service'] },
  });
  const [apiPort, rawPort] = [await freePort(), await freePort()];
  const work = await mkdtemp(join(tmpdir(), 'nemo-bench-rest-'));
  const apiEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...services,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    PORT: String(apiPort),
    AUTH_MODE: 'oidc',
    OIDC_ISSUER_URL: issuer.issuer,
    OIDC_AUDIENCE: BENCH_AUDIENCE,
    RATE_LIMIT_PER_MINUTE: '100000000',
    RATE_LIMIT_BURST: '100000000',
    WORK_DIR: join(work, 'work'),
    LOG_FORMAT: 'json',
    ...API_ENV,
  };
  const profile = process.env.BENCH_PROFILE_DIR;
  const profiling = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const nodeFlags = process.env.BENCH_API_NODE_FLAGS?.split(' ').filter(Boolean) ?? API_NODE_FLAGS;
  const tracePort = process.env.BENCH_TRACE ? await freePort() : undefined;
  const tracing = tracePort ? ['-r', './dist-bench/bench/api-trace.js'] : [];
  const api = {
    base: `http://127.0.0.1:${apiPort}`,
    process: await startServer(
      [...nodeFlags, ...profiling, ...tracing, 'dist/src/main.js', 'api'],
      tracePort === undefined ? apiEnv : { ...apiEnv, BENCH_TRACE_PORT: String(tracePort) },
      apiPort,
    ),
  };
  const apiTrace =
    tracePort === undefined
      ? undefined
      : async () => (await (await fetch(`http://127.0.0.1:${tracePort}/`)).json()) as ApiTrace;
  const raw = {
    base: `http://127.0.0.1:${rawPort}`,
    process: await startServer(
      [...profiling, 'dist-bench/bench/rest-raw-server.js'],
      {
        ...process.env,
        RAW_DATABASE_URL: databaseUrl,
        RAW_JWKS: issuer.jwks,
        RAW_ISSUER: issuer.issuer,
        RAW_AUDIENCE: BENCH_AUDIENCE,
        RAW_PORT: String(rawPort),
      },
      rawPort,
    ),
  };
  const [apiPid, rawPid] = [api.process.pid ?? 0, raw.process.pid ?? 0];
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(rssMiB(apiPid)), 500);
  const loadBefore = loadavg();
  try {
    const intentId = await createIntent(api.base, token, seeded.instanceIds[0]);
    const results: Record<string, unknown> = {};
    const only = process.env.BENCH_PATHS ?? '';
    const selected = cases(token, seeded, intentId).filter((c) => c.name.includes(only));
    await checkSameJson(selected, api.base, raw.base);
    for (const path of selected) {
      await measure(loadOptions(path, api.base), apiPid, LOAD);
      await measure(loadOptions(path, raw.base), rawPid, LOAD);
      const ours: Figures[] = [];
      const theirs: Figures[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        ours.push(await measure(loadOptions(path, api.base), apiPid, LOAD));
        theirs.push(await measure(loadOptions(path, raw.base), rawPid, LOAD));
      }
      const o = medianFigures(ours);
      const r = medianFigures(theirs);
      const halfLoad = await pacedLatency(
        path,
        { api: api.base, raw: raw.base },
        o.requests_per_s / 2,
        apiTrace,
      );
      const ratio = Number((o.requests_per_s / r.requests_per_s).toFixed(2));
      const cpuRatio = Number((r.cpu_ms_per_request / o.cpu_ms_per_request).toFixed(2));
      const target = path.kind === 'read' ? TARGETS.read_ratio : TARGETS.write_ratio;
      results[path.name] = {
        ours: o,
        raw_jwt: r,
        ratio,
        cpu_ratio: cpuRatio,
        target_ratio: target,
        meets: ratio >= target && o.p99_ms <= TARGETS.p99_ms && o.errors + o.non_2xx === 0,
        at_half_load: halfLoad,
      };
    }
    const rssAfter = rssMiB(apiPid);
    process.stdout.write(
      `${JSON.stringify(
        {
          benchmark: 'rest',
          connections: CONNECTIONS,
          duration_s: DURATION_S,
          rounds: ROUNDS,
          // The machine's 1-minute load average before and after: the neighbours' share of the cores.
          load_average: { before: loadBefore[0], after: loadavg()[0] },
          api_node_flags: nodeFlags,
          paths: results,
          api_rss_mib: { after: rssAfter, max: Math.max(...rss), target: TARGETS.rss_mib },
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    clearInterval(sampler);
    await stopServer(api.process);
    await stopServer(raw.process);
    issuer.server.close();
    await rm(work, { recursive: true, force: true });
  }
}

runBench(main);
