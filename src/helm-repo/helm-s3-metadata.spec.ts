import { chartMetadataJson, helmS3ObjectMetadata } from './helm-s3-metadata';

const DIGEST = 'a'.repeat(64);

describe('helm-s3 object metadata', () => {
  it('writes chart-metadata in helm’s field order without empty fields, and chart-digest', () => {
    const metadata = helmS3ObjectMetadata(
      {
        version: '1.2.3',
        apiVersion: 'v2',
        name: 'shop',
        description: 'a shop',
        keywords: [],
        deprecated: false,
        home: '',
        appVersion: '1.10',
        annotations: { zeta: 'z', alpha: 'a' },
        maintainers: [{ url: 'https://x.eu', name: 'Ann' }],
        dependencies: [{ version: '1.0.0', name: 'db' }],
      },
      DIGEST,
    );
    expect(Object.keys(metadata)).toEqual(['chart-metadata', 'chart-digest']);
    expect(metadata['chart-digest']).toBe(DIGEST);
    expect(metadata['chart-metadata']).toBe(
      '{"name":"shop","version":"1.2.3","description":"a shop",' +
        '"maintainers":[{"name":"Ann","url":"https://x.eu"}],"apiVersion":"v2","appVersion":"1.10",' +
        '"annotations":{"alpha":"a","zeta":"z"},' +
        '"dependencies":[{"name":"db","version":"1.0.0","repository":""}]}',
    );
  });

  it('escapes what encoding/json escapes, and non-ASCII (headers are ASCII), to the same JSON value', () => {
    const json = chartMetadataJson({ name: 'x', description: 'a <b> & café ✓ 😀' });
    expect(json).toMatch(/^[\x20-\x7e]+$/);
    expect(json).toContain('\\u003cb\\u003e \\u0026 caf\\u00e9');
    expect(JSON.parse(json)).toEqual({ name: 'x', description: 'a <b> & café ✓ 😀' });
  });

  it('drops both keys, as helm-s3 does, when they pass its 1900-byte limit', () => {
    const small = helmS3ObjectMetadata({ name: 'x', version: '1.0.0' }, DIGEST);
    expect(small).not.toEqual({});
    const size = (description: string) =>
      Buffer.byteLength('chart-metadata') +
      Buffer.byteLength(chartMetadataJson({ name: 'x', version: '1.0.0', description })) +
      Buffer.byteLength('chart-digest') +
      DIGEST.length;
    const fits = 'd'.repeat(1900 - size('d') + 1);
    expect(size(fits)).toBe(1900);
    expect(
      helmS3ObjectMetadata({ name: 'x', version: '1.0.0', description: fits }, DIGEST),
    ).not.toEqual({});
    expect(
      helmS3ObjectMetadata({ name: 'x', version: '1.0.0', description: `${fits}d` }, DIGEST),
    ).toEqual({});
  });
});
