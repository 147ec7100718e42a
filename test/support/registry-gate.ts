import { Agent, createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A pass-through proxy in front of an OCI registry (plain HTTP) that holds back every request for
 * chosen repositories until `open()`: a test stops an onboarding at a known point (say, two of four
 * images mirrored, the third one waiting) without guessing timings. The Host header is kept, so
 * URLs the registry builds point back at the proxy.
 */
export interface RegistryGate {
  /** host:port to name images by (`<host>/<repository>:<tag>`). */
  host: string;
  /** Requests waiting at the gate now. */
  readonly waiting: number;
  /** Lets the waiting requests through and every later one. */
  open(): void;
  close(): Promise<void>;
}

export async function startRegistryGate(
  upstream: string,
  heldRepositories: string[],
): Promise<RegistryGate> {
  const target = new URL(`http://${upstream}`);
  const agent = new Agent({ keepAlive: true });
  const held = heldRepositories.map((repository) => `/v2/${repository}/`);
  let waiting: Array<() => void> = [];
  let opened = false;

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    if (incoming.destroyed || outgoing.destroyed) return;
    const forwarded = request(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
        agent,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    outgoing.on('error', () => forwarded.destroy());
    incoming.pipe(forwarded);
  };

  const server: Server = createServer((incoming, outgoing) => {
    const isHeld = held.some((prefix) => incoming.url?.startsWith(prefix));
    if (opened || !isHeld) return forward(incoming, outgoing);
    const release = (): void => forward(incoming, outgoing);
    waiting.push(release);
    incoming.socket.once('close', () => (waiting = waiting.filter((item) => item !== release)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    get waiting() {
      return waiting.length;
    },
    open() {
      opened = true;
      const released = waiting;
      waiting = [];
      for (const release of released) release();
    },
    async close() {
      server.closeAllConnections();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
