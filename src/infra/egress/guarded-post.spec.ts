import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { EgressRefused } from './egress-guard';
import { parseEgressAllowList } from '../../common/egress/egress-policy';
import { guardedPost, TimedOut } from './guarded-post';

describe('guardedPost', () => {
  let server: Server;
  let port: number;
  const requests: Array<{ host?: string; body: string }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        requests.push({ host: request.headers.host, body });
        if (request.url === '/moved') response.writeHead(302, { location: '/elsewhere' }).end();
        else response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => (requests.length = 0));

  const loopbackAllowed = parseEgressAllowList('127.0.0.1');
  const options = { headers: { 'content-type': 'application/json' }, timeoutMs: 1000 };

  it('connects to the address it checked, whatever the name', async () => {
    const status = await guardedPost(
      loopbackAllowed,
      new URL(`http://hook.example:${port}/in`),
      '{}',
      {
        ...options,
        resolve: async () => ['127.0.0.1'],
      },
    );
    expect(status).toBe(204);
    expect(requests).toEqual([{ host: `hook.example:${port}`, body: '{}' }]);
  });

  it('checks the answer of DNS at delivery time: a name that now resolves to a private address is refused before any connection', async () => {
    await expect(
      guardedPost(loopbackAllowed, new URL(`http://hook.example:${port}/in`), '{}', {
        ...options,
        resolve: async () => ['10.0.0.5'],
      }),
    ).rejects.toBeInstanceOf(EgressRefused);
    await expect(
      guardedPost(parseEgressAllowList(''), new URL(`http://127.0.0.1:${port}/in`), '{}', options),
    ).rejects.toBeInstanceOf(EgressRefused);
    expect(requests).toEqual([]);
  });

  it('does not follow redirects', async () => {
    const status = await guardedPost(
      loopbackAllowed,
      new URL(`http://127.0.0.1:${port}/moved`),
      '{}',
      options,
    );
    expect(status).toBe(302);
    expect(requests).toHaveLength(1);
  });

  it('gives up on a name server that never answers within the time budget', async () => {
    const started = Date.now();
    await expect(
      guardedPost(loopbackAllowed, new URL(`http://hook.example:${port}/in`), '{}', {
        headers: {},
        timeoutMs: 150,
        resolve: () => new Promise<string[]>(() => undefined),
      }),
    ).rejects.toBeInstanceOf(TimedOut);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
