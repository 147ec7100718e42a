import { load } from 'js-yaml';
import {
  addEntry,
  buildEntry,
  emptyIndex,
  findEntry,
  IndexFormatError,
  indexMetadataProblem,
  parseIndex,
  removeEntry,
  serializeIndex,
} from './helm-index';

const NOW = new Date('2026-01-02T03:04:05.678Z');
const entry = (version: string, digest = `d-${version}`) =>
  buildEntry(
    {
      apiVersion: 'v2',
      name: 'demo',
      version,
      appVersion: 'on',
      description: 'yes',
      unknown: 'dropped',
    },
    { digest, url: `demo-${version}.tgz`, created: NOW },
  );

describe('helm index', () => {
  it('builds entries with Chart.yaml metadata, url, digest and created', () => {
    expect(entry('1.0.0')).toEqual({
      apiVersion: 'v2',
      name: 'demo',
      version: '1.0.0',
      appVersion: 'on',
      description: 'yes',
      urls: ['demo-1.0.0.tgz'],
      created: '2026-01-02T03:04:05.678Z',
      digest: 'd-1.0.0',
    });
  });

  it('adds versions newest first, keeps an identical entry, refuses a different digest', () => {
    const index = emptyIndex(NOW);
    expect(addEntry(index, entry('1.0.0'), NOW)).toBe('added');
    expect(addEntry(index, entry('1.10.0'), NOW)).toBe('added');
    expect(addEntry(index, entry('1.2.0'), NOW)).toBe('added');
    expect(index.entries.demo.map((e) => e.version)).toEqual(['1.10.0', '1.2.0', '1.0.0']);
    expect(addEntry(index, entry('1.2.0'), NOW)).toBe('present');
    expect(addEntry(index, entry('1.2.0', 'other'), NOW)).toBe('conflict');
  });

  it('removes an entry only when the digest matches, and the name when it was the last', () => {
    const index = emptyIndex(NOW);
    addEntry(index, entry('1.0.0'), NOW);
    expect(removeEntry(index, 'demo', '1.0.0', 'wrong', NOW)).toBe(false);
    expect(findEntry(index, 'demo', '1.0.0')).toBeDefined();
    expect(removeEntry(index, 'demo', '1.0.0', 'd-1.0.0', NOW)).toBe(true);
    expect(index.entries).toEqual({});
    expect(removeEntry(index, 'demo', '1.0.0', 'd-1.0.0', NOW)).toBe(false);
  });

  it('serializes so that a YAML 1.1 reader gets strings back (on, yes, 1.10, timestamps)', () => {
    const index = emptyIndex(NOW);
    addEntry(index, { ...entry('1.0.0'), appVersion: '1.10', description: 'N' }, NOW);
    const text = serializeIndex(index);
    expect(text).toMatch(/appVersion: '1\.10'/);
    expect(text).toMatch(/description: 'N'/);
    expect(text).toMatch(/created: '2026-01-02T03:04:05.678Z'/);
    expect(text).toMatch(/^apiVersion: v1$/m);
    const yaml11 = text.replace(/'/g, '');
    expect(
      (load(yaml11) as { entries: { demo: Array<{ description: unknown }> } }).entries.demo[0],
    ).toBeDefined();
  });

  it('round-trips what helm writes, keeping unknown fields and created verbatim', () => {
    const helmWritten = [
      'apiVersion: v1',
      'entries:',
      '  other:',
      '  - apiVersion: v2',
      '    created: 2024-07-09T14:17:36.590890123Z',
      '    digest: abc',
      '    name: other',
      '    urls:',
      '    - other-0.1.0.tgz',
      '    version: 0.1.0',
      'generated: 2024-07-09T14:17:36.590890123Z',
      'serverInfo: {}',
    ].join('\n');
    const index = parseIndex(helmWritten);
    expect(index.serverInfo).toEqual({});
    expect(index.entries.other[0].created).toBe('2024-07-09T14:17:36.590890123Z');
    expect(parseIndex(serializeIndex(index))).toEqual(index);
  });

  it.each([
    ['not YAML', 'entries: [', /not valid YAML/],
    ['not a mapping', '- a', /not a mapping/],
    ['entries not a mapping', 'entries: 3', /entries is not a mapping/],
    ['versions not a list', 'entries:\n  a: 3', /entries.a is not a list/],
  ])('refuses an index that is %s', (_, text, message) => {
    expect(() => parseIndex(text)).toThrow(IndexFormatError);
    expect(() => parseIndex(text)).toThrow(message);
  });
});

describe('indexMetadataProblem', () => {
  const base = { apiVersion: 'v2', name: 'demo', version: '1.0.0' };
  const max = 32 * 1024;
  const check = (extra: Record<string, unknown>, limit = max) =>
    indexMetadataProblem({ ...base, ...extra }, limit);

  it('accepts ordinary metadata', () => {
    expect(
      check({
        description: 'A demo chart',
        home: 'https://example.eu',
        keywords: ['demo', 'web'],
        maintainers: [{ name: 'Ana', email: 'ana@example.eu' }],
        sources: ['https://github.com/example/demo'],
        annotations: { 'artifacthub.io/changes': '- fixed things\n'.repeat(100) },
        dependencies: [{ name: 'redis', version: '1.x', repository: 'https://charts.example' }],
      }),
    ).toBeUndefined();
  });

  it('names the field that is too large', () => {
    expect(check({ annotations: { big: 'x'.repeat(200 * 1024) } })).toBe(
      'Chart.yaml annotations["big"] is 204800 bytes; at most 8192 bytes are allowed in the shared index.yaml',
    );
    expect(check({ description: 'd'.repeat(2049) })).toMatch(
      /^Chart.yaml description is 2049 bytes/,
    );
    expect(check({ icon: `data:image/png;base64,${'A'.repeat(5000)}` })).toMatch(
      /^Chart.yaml icon /,
    );
    expect(check({ keywords: Array.from({ length: 51 }, (_, i) => `k${i}`) })).toMatch(
      /^Chart.yaml keywords has 51 items; at most 50/,
    );
    expect(check({ sources: ['ok', 's'.repeat(3000)] })).toMatch(
      /^Chart.yaml sources\[1\] is 3000/,
    );
    expect(check({ maintainers: [{ name: 'n'.repeat(2000) }] })).toMatch(/maintainers\[0\]/);
    expect(check({ keywords: 'not a list' })).toBe('Chart.yaml keywords must be a list');
    expect(
      check({
        annotations: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`a${i}`, 'v'])),
      }),
    ).toMatch(/annotations has 51 keys/);
    expect(check({ annotations: { ['k'.repeat(300)]: 'v' } })).toMatch(
      /the key is longer than 256/,
    );
  });

  it('bounds the whole entry, fields within their own caps included', () => {
    const annotations = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`note-${i}`, 'n'.repeat(8000)]),
    );
    expect(check({ annotations })).toMatch(
      /^Chart.yaml's metadata makes a \d+-byte entry in the shared index.yaml; at most 32768 bytes/,
    );
    expect(check({ annotations }, 128 * 1024)).toBeUndefined();
  });
});
