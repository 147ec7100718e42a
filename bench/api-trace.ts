/**
 * Preloaded into the api by `BENCH_TRACE=1 npm run bench:rest` (`node -r dist-bench/bench/api-trace.js`):
 * what the api itself saw of the load, to tell its own tail from the time a request spends before
 * the api gets to it. It times each request from node's request event to the response's `finish`
 * and records the event loop's delay and GC pauses, and answers `GET /` on 127.0.0.1 at
 * BENCH_TRACE_PORT with the figures since the previous `GET`. Public node APIs only.
 */
import { subscribe } from 'node:diagnostics_channel';
import { createServer, Server, ServerResponse } from 'node:http';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { percentile } from './stats';

/** A request slower than this inside the api counts in `over_30_ms`. */
const SLOW_MS = 30;

export interface ApiTrace {
  requests: number;
  p50_ms: number;
  p99_ms: number;
  over_30_ms: number;
  loop_delay_max_ms: number;
  gc_pause_max_ms: number;
  gc_pause_total_ms: number;
}

let durations: number[] = [];
let gcPauses: number[] = [];
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push(entry.duration);
}).observe({ entryTypes: ['gc'] });

const round = (ms: number) => Number(ms.toFixed(1));

function takeTrace(): ApiTrace {
  const trace = {
    requests: durations.length,
    p50_ms: durations.length === 0 ? 0 : round(percentile(durations, 50)),
    p99_ms: durations.length === 0 ? 0 : round(percentile(durations, 99)),
    over_30_ms: durations.filter((ms) => ms > SLOW_MS).length,
    loop_delay_max_ms: round(loopDelay.max / 1e6),
    gc_pause_max_ms: round(Math.max(0, ...gcPauses)),
    gc_pause_total_ms: round(gcPauses.reduce((sum, ms) => sum + ms, 0)),
  };
  durations = [];
  gcPauses = [];
  loopDelay.reset();
  return trace;
}

const traceServer: Server = createServer((_request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify(takeTrace()));
});
traceServer.listen(Number(process.env.BENCH_TRACE_PORT), '127.0.0.1');
traceServer.unref();

subscribe('http.server.request.start', (message) => {
  const { server, response } = message as { server: Server; response: ServerResponse };
  if (server === traceServer) return;
  const started = performance.now();
  response.once('finish', () => durations.push(performance.now() - started));
});
