import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RenderConfig } from '../../config/slices/render.config';
import { canonicalJson, RenderCache, renderCacheKey } from './render-cache';

function cacheIn(dir: string, overrides: Partial<RenderConfig> = {}): RenderCache {
  return new RenderCache(
    {
      RENDER_CACHE_DIR: dir,
      RENDER_CACHE_MAX_ENTRIES: 3,
      RENDER_CACHE_MAX_BYTES: 1024 * 1024,
      RENDER_CACHE_ENABLED: true,
      ...overrides,
    } as RenderConfig,
    { WORK_DIR: '/unused' },
  );
}

describe('render cache key', () => {
  it('keys on the cluster profile: its Kubernetes version and API versions (in any order)', () => {
    const key = (kubeVersion: string, apiVersions: string[]) =>
      renderCacheKey({
        chartDigest: 'sha256:1',
        values: {},
        releaseName: 'r',
        capabilities: { kubeVersion, apiVersions },
      });
    expect(key('v1.28.0', ['a/v1', 'b/v1'])).toBe(key('v1.28.0', ['b/v1', 'a/v1']));
    expect(key('v1.28.0', ['a/v1'])).not.toBe(key('v1.30.0', ['a/v1']));
    expect(key('v1.28.0', ['a/v1'])).not.toBe(key('v1.28.0', ['a/v1', 'c/v1/Kind']));
  });

  const base = {
    chartDigest: 'sha256:1',
    values: { a: 1, b: { c: [1, 2] } },
    releaseName: 'r',
    namespace: 'n',
  };

  it('ignores the order of value keys', () => {
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":1}');
    expect(renderCacheKey(base)).toBe(
      renderCacheKey({ ...base, values: { b: { c: [1, 2] }, a: 1 } }),
    );
  });

  it.each([
    ['chart digest', { chartDigest: 'sha256:2' }],
    ['values', { values: { a: 2, b: { c: [1, 2] } } }],
    ['array order', { values: { a: 1, b: { c: [2, 1] } } }],
    ['release name', { releaseName: 'r2' }],
    ['namespace', { namespace: 'other' }],
    ['no namespace', { namespace: undefined }],
    ['cluster profile', { capabilities: { kubeVersion: 'v1.28.0', apiVersions: [] } }],
  ])('changes with the %s', (_, change) => {
    expect(renderCacheKey({ ...base, ...change })).not.toBe(renderCacheKey(base));
  });
});

describe('RenderCache', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'render-cache-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns what was stored, owner-readable only, and nothing for an unknown key', async () => {
    const cache = cacheIn(join(dir, 'nested'));
    await cache.put('k1', 'kind: ConfigMap\n');
    expect(await cache.get('k1')).toBe('kind: ConfigMap\n');
    expect(await cache.get('k2')).toBeUndefined();
    expect((await stat(join(dir, 'nested', 'k1.yaml'))).mode & 0o777).toBe(0o600);
  });

  it('stores and serves nothing when disabled', async () => {
    const cache = cacheIn(dir, { RENDER_CACHE_ENABLED: false });
    await cache.put('k1', 'x');
    expect(await cache.get('k1')).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });

  it('prunes the oldest entries beyond the maximum', async () => {
    const cache = cacheIn(dir);
    for (const [index, key] of ['a', 'b', 'c', 'd', 'e'].entries()) {
      await cache.put(key, key);
      const time = new Date(Date.now() - (10 - index) * 1000);
      await utimes(join(dir, `${key}.yaml`), time, time);
    }
    expect(await cache.prune()).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['c.yaml', 'd.yaml', 'e.yaml']);
  });

  it('prunes the oldest entries beyond the byte budget, and never stores an oversized render', async () => {
    const cache = cacheIn(dir, { RENDER_CACHE_MAX_ENTRIES: 100, RENDER_CACHE_MAX_BYTES: 1000 });
    for (const [index, key] of ['a', 'b', 'c', 'd'].entries()) {
      await cache.put(key, key.repeat(90));
      const time = new Date(Date.now() - (10 - index) * 1000);
      await utimes(join(dir, `${key}.yaml`), time, time);
    }
    await cache.put('huge', 'x'.repeat(101));
    expect(await cache.get('huge')).toBeUndefined();
    expect((await readdir(dir)).sort()).toEqual(['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml']);
    const small = cacheIn(dir, { RENDER_CACHE_MAX_ENTRIES: 100, RENDER_CACHE_MAX_BYTES: 200 });
    expect(await small.prune()).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['c.yaml', 'd.yaml']);
  });

  it('survives a folder it cannot write', async () => {
    await writeFile(join(dir, 'file'), 'not a folder');
    const cache = cacheIn(join(dir, 'file', 'cache'));
    await expect(cache.put('k', 'v')).resolves.toBeUndefined();
    expect(await cache.get('k')).toBeUndefined();
  });
});
