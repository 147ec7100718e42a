import autocannon from 'autocannon';
import { cpuMs } from './processes';
import { median } from './support';

/** One load run against one server: what the client saw and the CPU the server spent. */
export interface Figures {
  requests_per_s: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non_2xx: number;
  cpu_ms_per_request: number;
}

export interface Load {
  connections: number;
  durationS: number;
}

/** Runs autocannon at `load` and reads the CPU process `pid` spent meanwhile, per request. */
export async function measure(
  options: autocannon.Options,
  pid: number,
  load: Load,
): Promise<Figures> {
  const cpuBefore = cpuMs(pid);
  const result = await autocannon({
    ...options,
    connections: load.connections,
    duration: load.durationS,
  });
  const cpuPerRequest = (cpuMs(pid) - cpuBefore) / Math.max(1, result.requests.total);
  return {
    requests_per_s: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non_2xx: result.non2xx,
    cpu_ms_per_request: Number(cpuPerRequest.toFixed(3)),
  };
}

/** The median of each figure over rounds; errors and non-2xx answers summed. */
export function medianFigures(rounds: Figures[]): Figures {
  const pick = (key: keyof Figures) => median(rounds.map((r) => r[key]));
  return {
    requests_per_s: pick('requests_per_s'),
    p50_ms: pick('p50_ms'),
    p99_ms: pick('p99_ms'),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    non_2xx: rounds.reduce((sum, r) => sum + r.non_2xx, 0),
    cpu_ms_per_request: pick('cpu_ms_per_request'),
  };
}
