import { DataSource } from 'typeorm';
import { localConfig } from '../../test/support/config';
import { ChartStore, ObjectChanged, PutOptions, StoredObject } from '../infra/s3/chart-store.port';
import { parseIndex } from './helm-index';
import { ChartPackage, HelmRepoService, sha256 } from './helm-repo.service';

/** An object store in memory, with etags and conditional writes; `interfere` runs before a put. */
class MemoryChartStore implements ChartStore {
  readonly objects = new Map<string, { bytes: Buffer; etag: string; options: PutOptions }>();
  private version = 0;
  interfere?: (key: string) => void;

  async get(key: string): Promise<StoredObject | undefined> {
    const object = this.objects.get(key);
    return object && { bytes: object.bytes, etag: object.etag };
  }

  async head(key: string): Promise<Record<string, string> | undefined> {
    const object = this.objects.get(key);
    return object && { ...object.options.metadata };
  }

  async put(key: string, body: Buffer | string, options: PutOptions): Promise<void> {
    this.interfere?.(key);
    const current = this.objects.get(key);
    if (options.ifAbsent && current) throw new ObjectChanged(key);
    if (options.ifMatch && current?.etag !== options.ifMatch) throw new ObjectChanged(key);
    this.write(key, Buffer.from(body), options);
  }

  write(key: string, bytes: Buffer, options: PutOptions): void {
    this.objects.set(key, { bytes, etag: `"${++this.version}"`, options });
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async list(): Promise<string[]> {
    return [...this.objects.keys()];
  }

  locate(key: string): string {
    return `memory/${key}`;
  }
}

// Conditional writes only: no PostgreSQL lock, so no database in a unit test.
const config = localConfig({
  HELM_INDEX_WRITE_MODE: 'conditional',
  WORK_DIR: '/tmp/nemo-helm-repo-unit',
});

function chart(name: string, extra: Partial<ChartPackage> = {}): ChartPackage {
  const bytes = Buffer.from(`package of ${name}`);
  return {
    bytes,
    digest: sha256(bytes),
    metadata: { apiVersion: 'v2', name, version: '1.0.0', description: `the ${name} chart` },
    ...extra,
  };
}

describe('HelmRepoService over a ChartStore', () => {
  let store: MemoryChartStore;
  let repo: HelmRepoService;

  beforeEach(() => {
    store = new MemoryChartStore();
    repo = new HelmRepoService(
      store,
      {} as DataSource,
      config.helmRepository,
      config.s3,
      config.workDir,
    );
  });

  it('stores each package with helm-s3’s chart-metadata and chart-digest, beside its index entry', async () => {
    const shop = chart('shop');
    expect(await repo.publish(shop)).toBe('published');
    const stored = store.objects.get('shop-1.0.0.tgz');
    expect(stored?.bytes).toEqual(shop.bytes);
    expect(stored?.options.metadata).toEqual({
      sha256: shop.digest,
      'chart-digest': shop.digest,
      'chart-metadata':
        '{"name":"shop","version":"1.0.0","description":"the shop chart","apiVersion":"v2"}',
    });
    const index = parseIndex(store.objects.get('index.yaml')!.bytes.toString());
    expect(index.entries.shop[0]).toMatchObject({ digest: shop.digest, urls: ['shop-1.0.0.tgz'] });
  });

  it('publishes a verified .prov beside its package and removes both on unpublish', async () => {
    const signed = chart('signed', {
      provenance: Buffer.from('-----BEGIN PGP SIGNED MESSAGE-----'),
    });
    await repo.publish(signed);
    expect(store.objects.get('signed-1.0.0.tgz.prov')?.bytes.toString()).toContain('PGP');
    await repo.unpublish('signed', '1.0.0', signed.digest);
    expect([...store.objects.keys()]).toEqual(['index.yaml']);
  });

  it('writes the .prov again when a repeated publish finds it missing', async () => {
    const signed = chart('again', { provenance: Buffer.from('prov') });
    await repo.publish(signed);
    store.objects.delete('again-1.0.0.tgz.prov');
    expect(await repo.publish(signed)).toBe('already-published');
    expect(store.objects.has('again-1.0.0.tgz.prov')).toBe(true);
  });

  it('retries the index write when another writer changed it in between, keeping both entries', async () => {
    await repo.publish(chart('first'));
    let interfered = false;
    store.interfere = (key) => {
      if (key !== 'index.yaml' || interfered) return;
      interfered = true;
      const index = parseIndex(store.objects.get('index.yaml')!.bytes.toString());
      index.entries.other = [
        {
          name: 'other',
          version: '9.0.0',
          urls: ['other-9.0.0.tgz'],
          digest: 'f'.repeat(64),
          created: 'x',
        },
      ];
      store.write('index.yaml', Buffer.from(JSON.stringify(index)), { contentType: 'text/yaml' });
    };
    expect(await repo.publish(chart('second'))).toBe('published');
    expect(interfered).toBe(true);
    const names = Object.keys((await repo.readIndex()).entries).sort();
    expect(names).toEqual(['first', 'other', 'second']);
  });

  it('leaves a package of another digest in place on unpublish', async () => {
    const mine = chart('kept');
    await repo.publish(mine);
    await repo.unpublish('kept', '1.0.0', 'e'.repeat(64));
    expect(store.objects.has('kept-1.0.0.tgz')).toBe(true);
  });
});
