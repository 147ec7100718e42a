import { Agent, createServer, IncomingMessage, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Transform, TransformCallback } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A reverse proxy that makes a loopback registry behave like a remote one: every request waits
 * `rttMs` before it is forwarded (a WAN round trip) and bodies flow at most `bytesPerSecond` in
 * each direction. The Host header is kept, so URLs the registry builds point back at the proxy.
 */
export interface DelayProxy {
  host: string;
  requests: number;
  close(): Promise<void>;
}

export async function startDelayProxy(
  upstream: string,
  rttMs: number,
  bytesPerSecond: number,
): Promise<DelayProxy> {
  const target = new URL(`http://${upstream}`);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const state = { requests: 0 };
  const server: Server = createServer((incoming, outgoing) => {
    state.requests += 1;
    void (async () => {
      await sleep(rttMs);
      const forwarded = request(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
          agent,
        },
        (answer: IncomingMessage) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(throttle(bytesPerSecond)).pipe(outgoing);
        },
      );
      forwarded.on('error', () => outgoing.destroy());
      incoming.pipe(throttle(bytesPerSecond)).pipe(forwarded);
    })();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return state.requests;
    },
    async close() {
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function throttle(bytesPerSecond: number): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      setTimeout(() => done(null, chunk), (chunk.length / bytesPerSecond) * 1000);
    },
  });
}
