import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../../../src/config/app-config';
import { parseImageReference } from '../../../src/infra/skopeo/image-reference';
import { RegistryHttpClient } from '../../../src/infra/skopeo/registry-client';
import { SkopeoCli } from '../../../src/infra/skopeo/skopeo.cli';
import { Skopeo } from '../../../src/infra/skopeo/skopeo.port';
import {
  ImageMirrorService,
  ImageRejection,
  MirroredImage,
} from '../../../src/workload/jobs/image-mirror.service';
import { pushTestImage, registryDigest } from '../../support/oci-image';
import { testConfig } from './support';

const REGISTRY = process.env.REGISTRY_HOST ?? '127.0.0.1:55000';

/** Counts skopeo processes, to prove a re-check spawns none. */
class CountingSkopeo implements Skopeo {
  copies = 0;
  constructor(private readonly real: Skopeo) {}
  copy(source: string, destination: string): Promise<string> {
    this.copies += 1;
    return this.real.copy(source, destination);
  }
}

describe('ImageMirrorService with skopeo and the local registry', () => {
  const run = randomUUID().slice(0, 8);
  let work: string;
  let config: AppConfig;
  let env: Record<string, string>;
  let skopeo: CountingSkopeo;
  let registry: RegistryHttpClient;
  let mirror: ImageMirrorService;
  let images: Array<{ reference: string; digest: string }>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nemo-mirror-'));
    env = {
      WORK_DIR: work,
      REGISTRY_MIRROR_PATH: `mirror-${run}`,
      SOURCE_REGISTRY_TLS_VERIFY: 'false',
      MIRROR_RETRY_BACKOFF_MS: '10',
    };
    config = await testConfig(env);
    skopeo = new CountingSkopeo(new SkopeoCli(config));
    registry = new RegistryHttpClient(config);
    mirror = new ImageMirrorService(skopeo, registry, config);
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
    const first = await mirror.mirrorAll(
      images.map((image) => image.reference),
      async (image) => void seen.push(image),
    );
    expect(seen).toHaveLength(2);
    expect(skopeo.copies).toBe(2);
    for (const [index, result] of first.entries()) {
      expect(result).toEqual({
        source: images[index].reference,
        mirrored: `${REGISTRY}/mirror-${run}/127.0.0.1-55000/src-${run}/${['one', 'two'][index]}:1.0`,
        digest: images[index].digest,
        copied: true,
      });
      expect(await registryDigest(result.mirrored)).toBe(images[index].digest);
    }
    const again = await mirror.mirrorAll(
      images.map((image) => image.reference),
      async () => undefined,
    );
    expect(again.map((result) => result.copied)).toEqual([false, false]);
    expect(skopeo.copies).toBe(2);
  });

  it('copies again when the source tag moved to another digest', async () => {
    const moved = await pushTestImage(REGISTRY, `src-${run}/one`, '1.0');
    const [result] = await mirror.mirrorAll([moved.reference], async () => undefined);
    expect(result).toMatchObject({ copied: true, digest: moved.digest });
    expect(await registryDigest(result.mirrored)).toBe(moved.digest);
  });

  it('mirrors a digest-pinned image and records it by digest', async () => {
    const pinned = `${REGISTRY}/src-${run}/two@${images[1].digest}`;
    const [result] = await mirror.mirrorAll([pinned], async () => undefined);
    expect(result.mirrored).toBe(
      `${REGISTRY}/mirror-${run}/127.0.0.1-55000/src-${run}/two@${images[1].digest}`,
    );
    expect(await registryDigest(result.mirrored)).toBe(images[1].digest);
  });

  it('rejects a missing image and a malformed reference with a reason, without retrying', async () => {
    const copies = skopeo.copies;
    const missing = mirror.mirrorAll([`${REGISTRY}/src-${run}/absent:1`], async () => undefined);
    await expect(missing).rejects.toBeInstanceOf(ImageRejection);
    await expect(missing).rejects.toThrow(
      /absent:1 cannot be read from its registry: .*manifest unknown/,
    );
    expect(skopeo.copies).toBe(copies + 1);
    expect(() => mirror.plan(['Bad/Image'])).toThrow(ImageRejection);
  });

  it('copies every image when digest checks are switched off (the naive pipeline)', async () => {
    const naive = new ImageMirrorService(
      skopeo,
      registry,
      await testConfig({ ...env, MIRROR_SKIP_EXISTING: 'false' }),
    );
    const copies = skopeo.copies;
    const results = await naive.mirrorAll([images[1].reference], async () => undefined);
    expect(results[0].copied).toBe(true);
    expect(skopeo.copies).toBe(copies + 1);
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
    const client = new RegistryHttpClient(await testConfig());
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
