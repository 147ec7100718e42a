import { DomainError } from '../errors/domain-error';
import { checkJsonStructure, JsonLimits } from './json-structure';

const limits: JsonLimits = { maxDepth: 4, maxElements: 10 };

function codeOf(text: string, given = limits): string | undefined {
  try {
    checkJsonStructure(Buffer.from(text), given);
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

describe('checkJsonStructure', () => {
  it('lets documents within the limits through', () => {
    expect(codeOf('{"a":{"b":[1,2,{"c":3}]}}')).toBeUndefined();
    expect(codeOf('[[[[]]]]')).toBeUndefined();
    expect(codeOf('')).toBeUndefined();
  });

  it('refuses nesting one level deeper than the limit, objects and arrays alike', () => {
    expect(codeOf('[[[[[]]]]]')).toBe('json_too_deep');
    expect(codeOf('{"a":{"b":{"c":{"d":{}}}}}')).toBe('json_too_deep');
  });

  it('refuses a deep document even when it is cut off (before JSON.parse sees it)', () => {
    expect(codeOf('['.repeat(20_000), { maxDepth: 32, maxElements: 1e6 })).toBe('json_too_deep');
  });

  it('counts values: array items, object members and containers', () => {
    expect(codeOf(`[${'1,'.repeat(8)}1]`)).toBeUndefined();
    expect(codeOf(`[${'1,'.repeat(10)}1]`)).toBe('json_too_many_elements');
    const members = Array.from({ length: 11 }, (_, i) => `"k${i}":0`).join(',');
    expect(codeOf(`{${members}}`)).toBe('json_too_many_elements');
  });

  it('skips brackets, commas and escaped quotes inside strings', () => {
    const tricky = JSON.stringify({ a: '[[[[[[,,,,,,,,,,,,{{{{{ \\" ]]]] "' });
    expect(codeOf(tricky)).toBeUndefined();
    expect(codeOf(JSON.stringify({ a: 'back\\', b: '[[[[[[[' }))).toBeUndefined();
  });

  it('scans bytes, so multi-byte UTF-8 text cannot hide a bracket', () => {
    expect(codeOf(JSON.stringify({ 'ключ[': 'значение{ 😀 [' }))).toBeUndefined();
  });

  it('finds the end of strings with long runs of escapes', () => {
    expect(codeOf(`{"a":"${'\\\\'.repeat(1000)}","b":"\\"[[[[[["}`)).toBeUndefined();
    expect(codeOf(`["${'\\"'.repeat(1000)}",[[[[[]]]]]]`)).toBe('json_too_deep');
  });

  it('costs a few milliseconds of CPU for a megabyte', () => {
    const strings = Buffer.from(JSON.stringify({ values: { text: 'x'.repeat(1_000_000) } }));
    const structure = Buffer.from(`[${'[0,1],'.repeat(150_000)}0]`);
    const limits = { maxDepth: 32, maxElements: 1_000_000 };
    checkJsonStructure(structure, limits);
    for (const body of [strings, structure]) {
      // CPU time, not wall time: the machines running the suite are shared. The process's CPU
      // includes the collector's threads, so the best of three scans is the scan's own cost.
      const costs = [1, 2, 3].map(() => {
        const before = process.cpuUsage();
        checkJsonStructure(body, limits);
        const used = process.cpuUsage(before);
        return (used.user + used.system) / 1000;
      });
      expect(Math.min(...costs)).toBeLessThan(50);
    }
  });
});
