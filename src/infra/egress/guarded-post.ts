import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { allowedAddresses, pinnedLookup, Resolve } from './egress-guard';
import { EgressPolicy } from '../../common/egress/egress-policy';

export class TimedOut extends Error {
  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'TimedOut';
  }
}

export interface GuardedPostOptions {
  headers: Record<string, string>;
  /** The whole exchange (DNS, connect, send, status line) must finish within this. */
  timeoutMs: number;
  resolve?: Resolve;
}

/** Port of an http(s) URL, the scheme's default when none is written. */
export function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/**
 * POSTs `body` to `url` under the egress policy: the host is resolved and checked now, and the
 * connection goes to exactly the checked addresses (no DNS rebinding between check and connect).
 * Redirects are not followed (a 3xx is just the answer's status); the answer's body is never read,
 * so a receiver cannot make us buffer anything. Answers the HTTP status; throws on a refused
 * destination (EgressRefused), a network error or the timeout.
 */
export async function guardedPost(
  policy: EgressPolicy,
  url: URL,
  body: string,
  options: GuardedPostOptions,
): Promise<number> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const addresses = await withinTime(
    allowedAddresses(policy, { host: url.hostname, port: portOf(url) }, options.resolve),
    signal,
    options.timeoutMs,
  );
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const outgoing = send(
      url,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': Buffer.byteLength(body) },
        lookup: pinnedLookup(addresses),
        agent: false,
        signal,
      },
      (answer) => {
        resolve(answer.statusCode ?? 0);
        answer.destroy();
      },
    );
    outgoing.on('error', (error) =>
      reject(signal.aborted ? new TimedOut(options.timeoutMs) : error),
    );
    outgoing.end(body);
  });
}

/**
 * `work`, or a timeout error once `signal` aborts: the system resolver cannot be cancelled, so a
 * name server that never answers must not hold the caller past its time budget.
 */
export function withinTime<T>(
  work: Promise<T>,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new TimedOut(timeoutMs));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
