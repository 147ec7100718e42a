import { randomUUID } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import {
  AddressInfo,
  createServer as createTcpServer,
  Server as TcpServer,
  Socket,
} from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSlices } from '../../../src/config/config-slices';
import { parseImageReference } from '../../../src/infra/registry/image-reference';
import { parseEgressAllowList } from '../../../src/common/egress/egress-policy';
import { RegistryHttpClient } from '../../../src/infra/registry/registry-http.client';
import { RegistryUnreachable } from '../../../src/infra/registry/registry.port';
import { SkopeoCli } from '../../../src/infra/skopeo/skopeo.cli';
import {
  ImageMirrorService,
  ImageRejection,
  unreachableImage,
} from '../../../src/workload/jobs/image-mirror.service';
import { MirroredImage } from '../../../src/workload/jobs/mirror-plan';
import { CountingSkopeo } from '../../fakes/skopeo';
import { pushTestImage, registryDigest } from '../../support/oci-image';
import { ConfigOverrides, mergeOverrides } from '../../support/config';
import { testConfig } from './support';

const REGISTRY = process.env.REGISTRY_HOST ?? '127.0.0.1:55000';

/** A TCP listener that accepts and never answers; counts the connections it sees. */
async function silentListener(host = '127.0.0.1'): Promise<{
  server: TcpServer;
  port: number;
  connections: () => number;
}> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // close() waits for open connections: a silent listener ends its own.
  const close = server.close.bind(server);
  server.close = (callback) => {
    sockets.forEach((socket) => socket.destroy());
    return close(callback);
  };
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { server, port: (server.address() as AddressInfo).port, connections: () => connections };
}

async function closeAll(...servers: Array<TcpServer | Server>): Promise<void> {
  for (const server of servers) {
    if ('closeAllConnections' in server) server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const skopeoCli = (config: ConfigSlices): SkopeoCli =>
  new SkopeoCli(config.skopeo, config.registry, config.workDir);

const mirrorOf = (skopeo: CountingSkopeo, registry: RegistryHttpClient, config: ConfigSlices) =>
  new ImageMirrorService(skopeo, registry, config.mirror, config.registry);

/** A port nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const { server, port } = await silentListener();
  await closeAll(server);
  return port;
}

describe('ImageMirrorService with skopeo and the local registry', () => {
  const run = randomUUID().slice(0, 8);
  let work: string;
  let config: ConfigSlices;
  let env: ConfigOverrides;
  let skopeo: CountingSkopeo;
  let registry: RegistryHttpClient;
  let mirror: ImageMirrorService;
  let images: Array<{ reference: string; digest: string }>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nemo-mirror-'));
    env = {
      workDir: { WORK_DIR: work },
      registry: { REGISTRY_MIRROR_PATH: `mirror-${run}`, SOURCE_REGISTRY_TLS_VERIFY: false },
      mirror: { MIRROR_RETRY_BACKOFF_MS: 10 },
    };
    config = await testConfig(env);
    skopeo = new CountingSkopeo(skopeoCli(config));
    registry = new RegistryHttpClient(config.registry);
    mirror = mirrorOf(skopeo, registry, config);
    images = await Promise.all(
      ['one', 'two'].map((name) => pushTestImage(REGISTRY, `src-${run}/${name}`, '1.0')),
    );
  });

  afterAll(async () => {
    registry.onModuleDestroy();
    await rm(work, { recursive: true, force: true });
  });

  it('reads manifest digests over HTTP, null for a missing tag', async () => {
    const endpoint = { tlsVerify: false };
    expect(await registry.manifestDigest(parseImageReference(images[0].reference), endpoint)).toBe(
      images[0].digest,
    );
    expect(
      await registry.manifestDigest(
        parseImageReference(`${REGISTRY}/src-${run}/one:nope`),
        endpoint,
      ),
    ).toBeNull();
  });

  it('copies each image once, then finds them mirrored without a skopeo process', async () => {
    const seen: MirroredImage[] = [];
    const first = await mirror.plan().mirror(
      images.map((image) => image.reference),
      { onMirrored: async (image) => void seen.push(image) },
    );
    expect(seen).toHaveLength(2);
    expect(skopeo.copies).toBe(2);
    for (const [index, result] of first.entries()) {
      expect(result).toEqual({
        source: images[index].reference,
        mirrored: `${REGISTRY}/mirror-${run}/${REGISTRY.replace(':', '-')}/src-${run}/${['one', 'two'][index]}:1.0`,
        digest: images[index].digest,
        copied: true,
        companions: [],
      });
      expect(await registryDigest(result.mirrored)).toBe(images[index].digest);
    }
    const again = await mirror.plan().mirror(images.map((image) => image.reference));
    expect(again.map((result) => result.copied)).toEqual([false, false]);
    expect(skopeo.copies).toBe(2);
  });

  it('copies again when the source tag moved to another digest', async () => {
    const moved = await pushTestImage(REGISTRY, `src-${run}/one`, '1.0');
    const [result] = await mirror.plan().mirror([moved.reference]);
    expect(result).toMatchObject({ copied: true, digest: moved.digest });
    expect(await registryDigest(result.mirrored)).toBe(moved.digest);
  });

  it('copies the cosign companion tags the source holds, under the same names, once', async () => {
    const signed = await pushTestImage(REGISTRY, `src-${run}/signed`, '1.0');
    const sigTag = `${signed.digest.replace(':', '-')}.sig`;
    const sbomTag = `${signed.digest.replace(':', '-')}.sbom`;
    const [signature, sbom] = await Promise.all([
      pushTestImage(REGISTRY, `src-${run}/signed`, sigTag, { content: 'a signature' }),
      pushTestImage(REGISTRY, `src-${run}/signed`, sbomTag, { content: 'an sbom' }),
    ]);
    const plain = await pushTestImage(REGISTRY, `src-${run}/plain`, '1.0');
    const copiesBefore = skopeo.copies;
    const [withCompanions, without] = await mirror
      .plan()
      .mirror([signed.reference, plain.reference]);
    expect(withCompanions).toMatchObject({ copied: true, companions: ['sig', 'sbom'] });
    expect(without).toMatchObject({ copied: true, companions: [] });
    // Two images and two companion tags, nothing for the tags the sources lack.
    expect(skopeo.copies - copiesBefore).toBe(4);
    const repository = withCompanions.mirrored.replace(/:[^:/]+$/, '');
    expect(await registryDigest(`${repository}:${sigTag}`)).toBe(signature.digest);
    expect(await registryDigest(`${repository}:${sbomTag}`)).toBe(sbom.digest);

    const [again] = await mirror.plan().mirror([signed.reference]);
    expect(again).toMatchObject({ copied: false, companions: ['sig', 'sbom'] });
    expect(skopeo.copies - copiesBefore).toBe(4);
  });

  it('copies a companion tag the mirror lost, though the image itself is mirrored', async () => {
    const signed = await pushTestImage(REGISTRY, `src-${run}/resigned`, '1.0');
    await mirror.plan().mirror([signed.reference]);
    const attTag = `${signed.digest.replace(':', '-')}.att`;
    const attestation = await pushTestImage(REGISTRY, `src-${run}/resigned`, attTag);
    const copiesBefore = skopeo.copies;
    const [result] = await mirror.plan().mirror([signed.reference]);
    expect(result).toMatchObject({ copied: false, companions: ['att'] });
    expect(skopeo.copies - copiesBefore).toBe(1);
    const repository = result.mirrored.replace(/:[^:/]+$/, '');
    expect(await registryDigest(`${repository}:${attTag}`)).toBe(attestation.digest);
  });

  it('mirrors a digest-pinned image and records it by digest', async () => {
    const pinned = `${REGISTRY}/src-${run}/two@${images[1].digest}`;
    const [result] = await mirror.plan().mirror([pinned]);
    expect(result.mirrored).toBe(
      `${REGISTRY}/mirror-${run}/${REGISTRY.replace(':', '-')}/src-${run}/two@${images[1].digest}`,
    );
    expect(await registryDigest(result.mirrored)).toBe(images[1].digest);
  });

  it('rejects a missing image and a malformed reference with a reason, without retrying', async () => {
    const copies = skopeo.copies;
    const missing = mirror.plan().mirror([`${REGISTRY}/src-${run}/absent:1`]);
    await expect(missing).rejects.toBeInstanceOf(ImageRejection);
    await expect(missing).rejects.toThrow(
      /absent:1 cannot be read from its registry: manifest unknown \(no such image or tag\) or access denied$/,
    );
    expect(skopeo.copies).toBe(copies + 1);
    await expect(mirror.plan().mirror(['Bad/Image'])).rejects.toThrow(ImageRejection);
  });

  it('rejects a chart naming more images than IMAGE_MAX_PER_CHART before any connection', async () => {
    const capped = mirrorOf(
      skopeo,
      registry,
      await testConfig(mergeOverrides(env, { mirror: { IMAGE_MAX_PER_CHART: 2 } })),
    );
    const copies = skopeo.copies;
    const three = ['a', 'b', 'c'].map((name) => `${REGISTRY}/src-${run}/${name}:1`);
    await expect(capped.plan().mirror(three)).rejects.toThrow(
      new ImageRejection(
        'the chart uses 3 distinct container images; at most 2 are mirrored per chart',
      ),
    );
    expect(skopeo.copies).toBe(copies);
  });

  it('copies every image when digest checks are switched off (the naive pipeline)', async () => {
    const naive = mirrorOf(
      skopeo,
      registry,
      await testConfig(mergeOverrides(env, { mirror: { MIRROR_SKIP_EXISTING: false } })),
    );
    const copies = skopeo.copies;
    const results = await naive.plan().mirror([images[1].reference]);
    expect(results[0].copied).toBe(true);
    expect(skopeo.copies).toBe(copies + 1);
  });
});

describe('Image sources on internal or silent addresses', () => {
  let work: string;
  let env: ConfigOverrides;
  const listeners: TcpServer[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nemo-egress-'));
    env = {
      workDir: { WORK_DIR: work },
      registry: { REGISTRY_MIRROR_PATH: `mirror-egress`, SOURCE_REGISTRY_TLS_VERIFY: false },
      mirror: { MIRROR_RETRY_BACKOFF_MS: 10 },
    };
  });

  afterAll(async () => {
    await closeAll(...listeners);
    await rm(work, { recursive: true, force: true });
  });

  async function mirrorWith(overrides: ConfigOverrides = {}) {
    const config = await testConfig(mergeOverrides(env, overrides));
    const skopeo = new CountingSkopeo(skopeoCli(config));
    const registry = new RegistryHttpClient(config.registry);
    return { skopeo, registry, mirror: mirrorOf(skopeo, registry, config) };
  }

  it('refuses loopback, link-local, private and IPv6 loopback registries with one generic reason, connecting nowhere', async () => {
    const v4 = await silentListener('127.0.0.1');
    const v6 = await silentListener('::1');
    listeners.push(v4.server, v6.server);
    const postgresPort = new URL(process.env.DATABASE_URL ?? 'postgres://x:5432').port || '5432';
    const redisPort = new URL(process.env.REDIS_URL ?? 'redis://x:6379').port || '6379';
    const references = [
      `127.0.0.1:${postgresPort}/db/app:1`,
      `127.0.0.1:${redisPort}/cache/app:1`,
      `127.0.0.1:${await closedPort()}/closed/app:1`,
      `127.0.0.1:${v4.port}/listening/app:1`,
      `localhost:${v4.port}/by-name/app:1`,
      `[::1]:${v6.port}/v6/app:1`,
      `[::ffff:7f00:1]:${v4.port}/mapped/app:1`,
      `169.254.169.254/latest/meta-data:1`,
      `10.11.12.13:5000/private/app:1`,
      `[fd00::1]:5000/ula/app:1`,
    ];
    const { skopeo, registry, mirror } = await mirrorWith();
    try {
      for (const reference of references) {
        const started = Date.now();
        const result = mirror.plan().mirror([reference]);
        await expect(result).rejects.toThrow(new ImageRejection(unreachableImage(reference)));
        expect(Date.now() - started).toBeLessThan(1000);
      }
      // Also when the digest of an earlier version is checked ahead.
      const plan = mirror.plan();
      plan.checkAhead([{ image: `127.0.0.1:${v4.port}/ahead/app:1` }]);
      await plan.close();
    } finally {
      registry.onModuleDestroy();
    }
    expect(skopeo.copies).toBe(0);
    expect(v4.connections()).toBe(0);
    expect(v6.connections()).toBe(0);
  });

  it('rejects an image on a silent port within seconds, with the same reason and no skopeo run', async () => {
    const silent = await silentListener();
    listeners.push(silent.server);
    const { skopeo, registry, mirror } = await mirrorWith({
      mirror: {
        IMAGE_SOURCE_ALLOW_PRIVATE: `${process.env.IMAGE_SOURCE_ALLOW_PRIVATE},127.0.0.1:${silent.port}`,
        MIRROR_RETRIES: 1,
      },
    });
    const reference = `127.0.0.1:${silent.port}/silent/app:1`;
    const started = Date.now();
    try {
      await expect(mirror.plan().mirror([reference])).rejects.toThrow(
        new ImageRejection(unreachableImage(reference)),
      );
    } finally {
      registry.onModuleDestroy();
    }
    expect(Date.now() - started).toBeLessThan(15000);
    expect(silent.connections()).toBeGreaterThan(0);
    expect(skopeo.copies).toBe(0);
  }, 30000);

  it('gives up on a registry that trickles its answer a byte at a time', async () => {
    const sockets = new Set<Socket>();
    const trickler = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\n');
        const drip = setInterval(() => socket.write('X'), 100);
        socket.on('close', () => clearInterval(drip));
      });
    });
    await new Promise<void>((resolve) => trickler.listen(0, '127.0.0.1', resolve));
    const port = (trickler.address() as AddressInfo).port;
    const config = await testConfig(
      mergeOverrides(env, {
        mirror: { IMAGE_SOURCE_ALLOW_PRIVATE: `127.0.0.1:${port}` },
        registry: { REGISTRY_HTTP_TIMEOUT_MS: '1000' },
      }),
    );
    const registry = new RegistryHttpClient(config.registry);
    const started = Date.now();
    try {
      await expect(
        registry.ping(parseImageReference(`127.0.0.1:${port}/drip/app:1`), {
          tlsVerify: false,
          egress: parseEgressAllowList(config.mirror.IMAGE_SOURCE_ALLOW_PRIVATE),
        }),
      ).rejects.toThrow(RegistryUnreachable);
    } finally {
      registry.onModuleDestroy();
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => trickler.close(() => resolve()));
    }
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('stops a skopeo copy that hangs at the time budget of the image', async () => {
    // Answers the ping, then never answers a manifest request: skopeo itself must hang.
    const hanging = createServer((request, response) => {
      if (request.url === '/v2/') return response.writeHead(200).end('{}');
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const port = (hanging.address() as AddressInfo).port;
    const { skopeo, registry, mirror } = await mirrorWith({
      mirror: {
        IMAGE_SOURCE_ALLOW_PRIVATE: `${process.env.IMAGE_SOURCE_ALLOW_PRIVATE},127.0.0.1:${port}`,
        IMAGE_MIRROR_TIMEOUT_MS: 4000,
      },
      registry: { REGISTRY_HTTP_TIMEOUT_MS: 1000 },
    });
    const reference = `127.0.0.1:${port}/hanging/app:1`;
    const started = Date.now();
    try {
      await expect(mirror.plan().mirror([reference])).rejects.toThrow(
        new ImageRejection(unreachableImage(reference)),
      );
    } finally {
      registry.onModuleDestroy();
      await closeAll(hanging);
    }
    expect(skopeo.copies).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(12000);
  }, 30000);
});

describe('RegistryHttpClient token realms of source registries', () => {
  let registryServer: Server;
  let realmServer: Server;
  const realmAsks: IncomingHttpHeaders[] = [];
  let realmPath = '/token';
  let realmHost = '';
  const digest = `sha256:${'c'.repeat(64)}`;
  const portOf = (server: Server) => (server.address() as AddressInfo).port;

  beforeAll(async () => {
    realmServer = createServer((request, response) => {
      realmAsks.push(request.headers);
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ token: 'T', expires_in: 300 }));
    });
    registryServer = createServer((request, response) => {
      if (request.headers.authorization === 'Bearer T') {
        return response.writeHead(200, { 'Docker-Content-Digest': digest }).end();
      }
      response.writeHead(401, {
        'WWW-Authenticate': `Bearer realm="http://${realmHost}${realmPath}",service="s"`,
      });
      response.end();
    });
    await Promise.all(
      [realmServer, registryServer].map(
        (server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
      ),
    );
  });

  afterAll(async () => {
    await closeAll(registryServer, realmServer);
  });

  const ask = async (egress: string, realmCredentialHosts: string[] = []) => {
    const client = new RegistryHttpClient((await testConfig()).registry);
    const image = parseImageReference(
      `127.0.0.1:${portOf(registryServer)}/team/app:${randomUUID()}`,
    );
    try {
      return await client.manifestDigest(image, {
        tlsVerify: false,
        credentials: { username: 'u', password: 'secret' },
        egress: parseEgressAllowList(egress),
        realmCredentialHosts,
      });
    } finally {
      client.onModuleDestroy();
    }
  };

  it('sends no source credentials to a realm on another host, unless that host is configured', async () => {
    realmHost = `localhost:${portOf(realmServer)}`;
    const allowed = `127.0.0.1:${portOf(registryServer)},${realmHost}`;
    realmAsks.length = 0;
    expect(await ask(allowed)).toBe(digest);
    expect(realmAsks).toHaveLength(1);
    expect(realmAsks[0].authorization).toBeUndefined();
    expect(await ask(allowed, [realmHost])).toBe(digest);
    expect(realmAsks[1].authorization).toBe(`Basic ${Buffer.from('u:secret').toString('base64')}`);
  });

  it('sends them to a realm on the registry host itself', async () => {
    realmHost = `127.0.0.1:${portOf(realmServer)}`;
    realmAsks.length = 0;
    expect(await ask(`127.0.0.1:${portOf(registryServer)},${realmHost}`)).toBe(digest);
    expect(realmAsks[0].authorization).toMatch(/^Basic /);
  });

  it('never connects to a realm the egress policy refuses', async () => {
    const trap = await silentListener();
    realmHost = `127.0.0.1:${trap.port}`;
    try {
      await expect(ask(`127.0.0.1:${portOf(registryServer)}`)).rejects.toThrow(/refused/);
      realmHost = '169.254.169.254';
      realmPath = '/latest/meta-data/iam';
      await expect(ask(`127.0.0.1:${portOf(registryServer)}`)).rejects.toThrow(
        /169.254.169.254 is link-local/,
      );
    } finally {
      realmPath = '/token';
      await closeAll(trap.server);
    }
    expect(trap.connections()).toBe(0);
  });
});

describe('RegistryHttpClient bearer token flow', () => {
  let server: Server;
  let tokenRequests = 0;
  const tokenAsks: Array<{ authorization?: string; scope: string | null }> = [];
  const digest = `sha256:${'b'.repeat(64)}`;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://x');
      if (url.pathname === '/token') {
        tokenRequests += 1;
        tokenAsks.push({
          authorization: request.headers.authorization,
          scope: url.searchParams.get('scope'),
        });
        response.writeHead(200, { 'Content-Type': 'application/json' });
        return response.end(JSON.stringify({ token: 'T', expires_in: 300 }));
      }
      if (request.headers.authorization !== 'Bearer T') {
        const realm = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
        response.writeHead(401, {
          'WWW-Authenticate': `Bearer realm="${realm}",service="test",scope="repository:team/app:pull"`,
        });
        return response.end();
      }
      response.writeHead(url.pathname.endsWith('/1.0') ? 200 : 404, {
        'Docker-Content-Digest': digest,
      });
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(() => {
    server.close();
  });

  it('gets a token with the configured credentials once, then reuses it', async () => {
    const client = new RegistryHttpClient((await testConfig()).registry);
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const endpoint = { tlsVerify: false, credentials: { username: 'u', password: 'p' } };
    expect(await client.manifestDigest(parseImageReference(`${host}/team/app:1.0`), endpoint)).toBe(
      digest,
    );
    expect(await client.manifestDigest(parseImageReference(`${host}/team/app:1.0`), endpoint)).toBe(
      digest,
    );
    expect(
      await client.manifestDigest(parseImageReference(`${host}/team/app:2.0`), endpoint),
    ).toBeNull();
    expect(tokenRequests).toBe(1);
    expect(tokenAsks).toEqual([
      {
        authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
        scope: 'repository:team/app:pull',
      },
    ]);
    client.onModuleDestroy();
  });
});
