import { Agent, request } from 'node:http';
import { percentile } from './support';

/** What an open-loop, paced load saw: latency from each request's scheduled start. */
export interface PacedFigures {
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non_2xx: number;
}

/** One request of a load, as both load generators send it. */
export interface LoadRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  /** A new body per request (e.g. a unique intent), or none. */
  body?: () => string;
}

/**
 * Sends `rate` requests per second, evenly spaced, for `durationS`, over at most `connections`
 * keep-alive connections. Unlike a closed loop (each connection sending its next request once
 * answered, as autocannon does; its `overallRate` only caps each second's count, so a second's
 * requests go out at once), the load does not wait for the server: a request that finds every
 * connection busy waits for one, and that wait counts in its latency.
 */
export async function pacedLoad(
  target: LoadRequest,
  rate: number,
  durationS: number,
  connections: number,
): Promise<PacedFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const total = Math.round(rate * durationS);
  const started = performance.now();
  const answered = new Array<Promise<void>>();
  const send = (scheduled: number): Promise<void> =>
    new Promise((resolve) => {
      const body = target.body?.();
      const call = request(target.url, {
        method: target.method ?? 'GET',
        headers: target.headers,
        agent,
      });
      call.on('response', (response) => {
        response.resume();
        response.on('end', () => {
          if ((response.statusCode ?? 0) >= 300) non2xx += 1;
          latencies.push(performance.now() - scheduled);
          resolve();
        });
      });
      call.on('error', () => {
        errors += 1;
        resolve();
      });
      call.end(body);
    });
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    for (; sent < due; sent++) answered.push(send(started + (sent * 1000) / rate));
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(answered);
  agent.destroy();
  return {
    p50_ms: Math.round(percentile(latencies, 50)),
    p99_ms: Math.round(percentile(latencies, 99)),
    errors,
    non_2xx: non2xx,
  };
}
