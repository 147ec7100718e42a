import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A thin HTTP front for s3rver that behaves like S3, MinIO or Ceph on two points s3rver does not:
 * every request on one key is serialized (objects change atomically), and a PUT carrying
 * `If-Match: <etag>` or `If-None-Match: *` answers 412 PreconditionFailed when the stored object
 * does not match. Everything else is forwarded unchanged (s3rver does not check signatures).
 */
export class S3ConditionalFront {
  readonly stats = { preconditionFailed: 0, conditionalPuts: 0 };
  private readonly server: Server;
  private readonly queues = new Map<string, Promise<void>>();
  private readonly upstream: URL;
  private hold?: { suffix: string; arrived: () => void; release: Promise<void> };

  private constructor(upstream: string) {
    this.upstream = new URL(upstream);
    this.server = createServer((req, res) => void this.serialized(req, res));
  }

  static async start(upstream = process.env.AWS_ENDPOINT ?? ''): Promise<S3ConditionalFront> {
    const front = new S3ConditionalFront(upstream);
    await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
    return front;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /**
   * Holds the next PUT of a key ending in `suffix` (its body already received) until `release` is
   * called, then forwards it: a write that reaches S3 after its writer may have died. Every later
   * request on that key waits behind it, as on a store that serializes one object's changes.
   */
  holdNextPut(suffix: string): { arrived: Promise<void>; release: () => void } {
    let arrived: () => void = () => undefined;
    let release: () => void = () => undefined;
    const arrival = new Promise<void>((resolve) => (arrived = resolve));
    this.hold = { suffix, arrived, release: new Promise<void>((resolve) => (release = resolve)) };
    return { arrived: arrival, release };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serialized(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const key = (req.url ?? '').split('?')[0];
    const previous = this.queues.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.queues.set(key, tail);
    await previous;
    try {
      await this.handle(req, res);
    } finally {
      release();
      if (this.queues.get(key) === tail) this.queues.delete(key);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const hold = this.hold;
    if (req.method === 'PUT' && hold && (req.url ?? '').split('?')[0].endsWith(hold.suffix)) {
      this.hold = undefined;
      hold.arrived();
      await hold.release;
    }
    const ifMatch = header(req, 'if-match');
    const ifNoneMatch = header(req, 'if-none-match');
    if (req.method === 'PUT' && (ifMatch || ifNoneMatch)) {
      this.stats.conditionalPuts += 1;
      const current = await this.forward('HEAD', req.url ?? '/', {}, Buffer.alloc(0));
      const etag =
        current.status === 200 ? normalize(String(current.headers.etag ?? '')) : undefined;
      const failed =
        (ifNoneMatch === '*' && etag !== undefined) || (ifMatch && normalize(ifMatch) !== etag);
      if (failed) {
        this.stats.preconditionFailed += 1;
        res.writeHead(412, { 'Content-Type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code>' +
            '<Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
        );
        return;
      }
    }
    const headers = { ...req.headers };
    delete headers['if-match'];
    delete headers['if-none-match'];
    const answer = await this.forward(req.method ?? 'GET', req.url ?? '/', headers, body);
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  private forward(
    method: string,
    path: string,
    headers: IncomingMessage['headers'],
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const upstream = request(
        {
          host: this.upstream.hostname,
          port: this.upstream.port,
          method,
          path,
          headers: { ...headers, host: this.upstream.host },
        },
        async (response) => {
          resolve({
            status: response.statusCode ?? 502,
            headers: response.headers,
            body: await readBody(response),
          });
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function normalize(etag: string): string {
  return etag.replace(/^W\//, '').replace(/"/g, '');
}

async function readBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
