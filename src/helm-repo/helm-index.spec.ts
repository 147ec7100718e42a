import { load } from 'js-yaml';
import {
  addEntry,
  buildEntry,
  emptyIndex,
  findEntry,
  IndexFormatError,
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
