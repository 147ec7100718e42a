/**
 * What the HTTP adapter costs (issue 14: "Fastify is a supported Nest adapter: measure before
 * choosing"): the same minimal Nest app (one guard, a parsed path id, a workload-sized JSON
 * answer, a JSON body on POST; bench/adapter-server.ts) on the Express and the Fastify adapter,
 * beside a node:http server answering the same, each its own process, no database. Per path: a
 * warm-up as long as a round, then rounds alternating the three with autocannon at 32
 * connections; medians. Prints one JSON object: req/s, p50, p99 and CPU ms per request per
 * server, and each Nest adapter's CPU per request over raw's — the share of the api's
 * per-request CPU an adapter change could move.
 * `npm run bench:adapters` (no services needed). BENCH_DURATION_S (default 5), BENCH_ROUNDS (3).
 */
import autocannon from 'autocannon';
import { loadavg } from 'node:os';
import { freePort, runBench, startServer, stopServer } from './processes';
import { Figures, measure, medianFigures } from './load';

const LOAD = { connections: 32, durationS: Number(process.env.BENCH_DURATION_S ?? 5) };
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SERVERS = ['express', 'fastify', 'raw'] as const;
type ServerName = (typeof SERVERS)[number];

const PATHS: Record<string, Omit<autocannon.Options, 'url'> & { path: string }> = {
  'GET /items/{id}': { path: '/items/42' },
  'POST /items': {
    path: '/items',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ label: 'bench', values: { replicas: 2, image: 'nginx:1.27' } }),
  },
};

async function main(): Promise<void> {
  const started = await Promise.all(
    SERVERS.map(async (name) => {
      const port = await freePort();
      const child = await startServer(
        ['dist-bench/bench/adapter-server.js', name],
        { ...process.env, PORT: String(port), NODE_ENV: 'production' },
        port,
      );
      return { name, base: `http://127.0.0.1:${port}`, child, pid: child.pid ?? 0 };
    }),
  );
  const loadBefore = loadavg();
  try {
    const results: Record<string, unknown> = {};
    for (const [name, { path, ...options }] of Object.entries(PATHS)) {
      const run = (server: (typeof started)[number]) =>
        measure(
          {
            ...options,
            url: server.base + path,
            headers: { authorization: 'Bearer bench', ...options.headers },
          },
          server.pid,
          LOAD,
        );
      for (const server of started) await run(server);
      const rounds: Record<ServerName, Figures[]> = { express: [], fastify: [], raw: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const server of started) rounds[server.name].push(await run(server));
      }
      const [express, fastify, raw] = SERVERS.map((server) => medianFigures(rounds[server]));
      const overRaw = (figures: Figures) =>
        Number((figures.cpu_ms_per_request - raw.cpu_ms_per_request).toFixed(3));
      results[name] = {
        express,
        fastify,
        raw,
        requests_ratio: {
          express_to_raw: Number((express.requests_per_s / raw.requests_per_s).toFixed(2)),
          fastify_to_raw: Number((fastify.requests_per_s / raw.requests_per_s).toFixed(2)),
        },
        cpu_ms_over_raw: { express: overRaw(express), fastify: overRaw(fastify) },
      };
    }
    process.stdout.write(
      `${JSON.stringify(
        {
          benchmark: 'adapters',
          connections: LOAD.connections,
          duration_s: LOAD.durationS,
          rounds: ROUNDS,
          load_average: { before: loadBefore[0], after: loadavg()[0] },
          paths: results,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await Promise.all(started.map(({ child }) => stopServer(child)));
  }
}

runBench(main);
