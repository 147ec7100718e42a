import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { verifySignature } from '../../src/subscription/signature';

/** One request a receiver got, as it came, with its signature checked against the secret. */
export interface ReceivedDelivery {
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  event: {
    id: string;
    type: string;
    subject: string;
    source: string;
    specversion: string;
    time: string;
    nemodelivery: string;
    nemosentat: string;
    nemoattempt: number;
    data: Record<string, unknown>;
  };
  signatureValid: boolean;
  answered: number;
  receivedAt: number;
}

/** How a path answers: `failFirst` attempts of every delivery id fail with 503, then 204. */
export interface Behaviour {
  failFirst?: number;
}

/**
 * A webhook receiver for tests: checks `X-Nemo-Signature` over the raw body with the secret of
 * the path's subscription, records every request, and fails as told per path.
 */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  private readonly secrets = new Map<string, string>();
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly attemptsByDelivery = new Map<string, number>();
  private server?: Server;

  /** Listens on loopback, on `port` (default: any free one). */
  async startOn(port = 0): Promise<void> {
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
  }

  start(): Promise<void> {
    return this.startOn(0);
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The secret of the subscription that posts to `path`, and how that path answers. */
  expect(path: string, secret: string, behaviour: Behaviour = {}): void {
    this.secrets.set(path, secret);
    this.behaviours.set(path, behaviour);
  }

  /** Accepted (2xx) deliveries of a path, in the order they arrived. */
  accepted(path: string): ReceivedDelivery[] {
    return this.received.filter((d) => d.path === path && d.answered < 300);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '/';
      const behaviour = this.behaviours.get(path) ?? {};
      const event = JSON.parse(raw) as ReceivedDelivery['event'];
      const seen = (this.attemptsByDelivery.get(event.nemodelivery) ?? 0) + 1;
      this.attemptsByDelivery.set(event.nemodelivery, seen);
      const secret = this.secrets.get(path) ?? '';
      const header = request.headers['x-nemo-signature'];
      const signatureValid = typeof header === 'string' && verifySignature(secret, raw, header);
      const answered = seen <= (behaviour.failFirst ?? 0) ? 503 : 204;
      this.received.push({
        path,
        headers: request.headers,
        raw,
        event,
        signatureValid,
        answered,
        receivedAt: Date.now(),
      });
      response.writeHead(answered).end();
    });
  }
}

/** Polls `check` until it holds (or fails the test after `timeoutMs`). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
