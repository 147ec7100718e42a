import { NestExpressApplication } from '@nestjs/platform-express';
import { ClientRequest, IncomingMessage, Server, request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { ProblemDetails } from '../../src/common/errors/problem';
import { resetDatabase, startApi } from '../support/app';
import { authHeader } from '../support/auth';

const MiB = 1024 * 1024;
const BOUNDARY = 'nemo-upload-budget';
/** More than loopback's socket buffers hold: the write drains only once the api reads the body. */
const SENT_BYTES = 24 * MiB;
/** What a held upload declares: a reservation of 26 MiB, of which the last 2 never come. */
const HELD_BYTES = 26 * MiB;

interface Answer {
  response: IncomingMessage;
  problem: ProblemDetails;
}

interface HeldUpload {
  /** Resolves once the api reads the body: its bytes are reserved. */
  reading: Promise<void>;
  /** The answer, if the api gives one while the body is still being sent. */
  answer: Promise<Answer>;
  abort(): void;
}

/**
 * Issue 13's hostile tenant, opening large slow uploads to hold the api's memory: uploads reserve
 * their Content-Length before they are read, within WORKLOAD_UPLOADS_MAX_BYTES per process and
 * WORKLOAD_UPLOADS_MAX_BYTES_PER_TENANT per tenant; one past a budget is answered (429 or 503,
 * Retry-After) without reading it, and an aborted upload gives its bytes back.
 */
describe('Upload budget (real api and database)', () => {
  let app: NestExpressApplication;
  let http: ReturnType<typeof request>;
  let auth: Record<'a' | 'b' | 'c', string>;
  const workloads: Record<'a' | 'b' | 'c', number[]> = { a: [], b: [], c: [] };
  const held: HeldUpload[] = [];

  beforeAll(async () => {
    app = await startApi({
      http: { HTTP_REQUEST_TIMEOUT_MS: '45000' },
      onboarding: {
        WORKLOAD_UPLOADS_MAX_BYTES: String(80 * MiB),
        WORKLOAD_UPLOADS_MAX_BYTES_PER_TENANT: String(60 * MiB),
        WORKLOAD_PACKAGE_MAX_BYTES: String(64 * MiB),
      },
    });
    await resetDatabase(app);
    http = request(app.getHttpServer());
    auth = {
      a: await authHeader({ tenant: 'tenant-a' }),
      b: await authHeader({ tenant: 'tenant-b' }),
      c: await authHeader({ tenant: 'tenant-c' }),
    };
    for (const tenant of ['a', 'b', 'c'] as const) {
      for (const version of ['1.0.0', '1.0.1', '1.0.2']) {
        const created = await http
          .post('/api/v1/workloads')
          .set('Authorization', auth[tenant])
          .send({ name: 'slow', version, type: 'chart' })
          .expect(201);
        workloads[tenant].push(created.body.id);
      }
    }
  });

  afterAll(async () => {
    for (const upload of held) upload.abort();
    await app.close();
  });

  /** A multipart upload declaring `declared` bytes, of which 24 MiB are sent and the rest never. */
  function holdUpload(authorization: string, id: number, declared = HELD_BYTES): HeldUpload {
    const { port } = app.getHttpServer().address() as AddressInfo;
    const preamble = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="chart.tgz"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    );
    const sending: ClientRequest = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: `/api/v1/workloads/${id}/upload`,
      headers: {
        Authorization: authorization,
        'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
        'Content-Length': String(declared),
      },
    });
    // An aborted or refused upload ends in a socket error on this side: expected, not a failure.
    sending.on('error', () => undefined);
    const answer = new Promise<Answer>((resolve) =>
      sending.once('response', (response: IncomingMessage) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          resolve({ response, problem: JSON.parse(text) as ProblemDetails }),
        );
      }),
    );
    const reading = new Promise<void>((resolve) => {
      const first = Buffer.concat([preamble, Buffer.alloc(SENT_BYTES - preamble.length)]);
      if (sending.write(first)) resolve();
      else sending.once('drain', () => resolve());
    });
    const upload = { reading, answer, abort: () => sending.destroy() };
    held.push(upload);
    return upload;
  }

  /** Whether the api starts reading the upload or answers it first. */
  const outcome = (upload: HeldUpload): Promise<'read' | Answer> =>
    Promise.race([upload.reading.then(() => 'read' as const), upload.answer]);

  const smallUpload = (authorization: string, id: number) =>
    http
      .post(`/api/v1/workloads/${id}/upload`)
      .set('Authorization', authorization)
      .attach('file', Buffer.from('a small package'), 'chart.tgz');

  function expectRefused(answer: 'read' | Answer, status: number, code: string): void {
    if (answer === 'read') throw new Error(`expected ${status} ${code}, but the upload was read`);
    expect(answer.response.statusCode).toBe(status);
    expect(answer.response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.response.headers['retry-after']).toBe('1');
    expect(answer.problem).toMatchObject({ status, code });
  }

  /** The upload of a document that does not exist, read only to answer 404: it fit the budget. */
  async function expectSmallUploadRead(authorization: string): Promise<void> {
    const response = await smallUpload(authorization, 2_000_000);
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('workload_document_not_found');
  }

  /** A refused upload changed nothing. */
  async function expectStillPending(authorization: string, id: number): Promise<void> {
    const { body } = await http
      .get(`/api/v1/workloads/${id}`)
      .set('Authorization', authorization)
      .expect(200);
    expect(body.status).toBe('pending');
  }

  it('refuses a tenant an upload past its budget with 429 before reading it; smaller ones still fit', async () => {
    const [first, second] = [
      holdUpload(auth.a, workloads.a[0]),
      holdUpload(auth.a, workloads.a[1]),
    ];
    expect(await outcome(first)).toBe('read');
    expect(await outcome(second)).toBe('read');

    expectRefused(await outcome(holdUpload(auth.a, workloads.a[2])), 429, 'uploads_in_progress');
    await expectSmallUploadRead(auth.a);
    await expectStillPending(auth.a, workloads.a[2]);
  });

  it('refuses every tenant with 503 once the process budget would be exceeded', async () => {
    expect(await outcome(holdUpload(auth.b, workloads.b[0]))).toBe('read');

    const refused = await outcome(holdUpload(auth.c, workloads.c[0]));
    expectRefused(refused, 503, 'upload_capacity_exhausted');
    await expectSmallUploadRead(auth.c);
    await expectStillPending(auth.c, workloads.c[0]);
  });

  it('answers 413 at once to a Content-Length beyond a package, a .prov and the framing', async () => {
    // 64 MiB of package, 256 KiB of .prov, ten 64 KiB text fields, 64 KiB of framing, one byte more.
    const most = 64 * MiB + 256 * 1024 + 10 * 64 * 1024 + 64 * 1024;
    const answer = await outcome(holdUpload(auth.c, workloads.c[1], most + 1));
    if (answer === 'read') throw new Error('an upload beyond the most an upload carries was read');
    expect(answer.response.statusCode).toBe(413);
    expect(answer.problem.code).toBe('package_too_large');
  });

  it('holds a reservation at most HTTP_REQUEST_TIMEOUT_MS: node ends a request not received by then', () => {
    const server = app.getHttpServer() as Server;
    expect(server.requestTimeout).toBe(45_000);
    expect(server.headersTimeout).toBeLessThanOrEqual(45_000);
  });

  it('gives an aborted upload its bytes back', async () => {
    held[0].abort();
    const deadline = Date.now() + 5000;
    let answer = await outcome(holdUpload(auth.c, workloads.c[2]));
    while (answer !== 'read' && Date.now() < deadline) {
      held[held.length - 1].abort();
      await sleep(20);
      answer = await outcome(holdUpload(auth.c, workloads.c[2]));
    }
    expect(answer).toBe('read');
  });
});
