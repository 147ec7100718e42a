import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { allowedAddresses, pinnedLookup, Resolve } from './egress-guard';
import { EgressPolicy } from './egress-policy';

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
  const addresses = await allowedAddresses(
    policy,
    { host: url.hostname, port: portOf(url) },
    options.resolve,
  );
  signal.throwIfAborted();
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
      reject(signal.aborted ? new Error(`timed out after ${options.timeoutMs} ms`) : error),
    );
    outgoing.end(body);
  });
}
