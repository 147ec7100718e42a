import { applyValues, jsonDepth, mergePatch } from './values-merge';

describe('mergePatch (RFC 7396)', () => {
  // The examples of RFC 7396 appendix A.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });

  it('modifies neither argument', () => {
    const target = { image: { tag: '1.0', pullPolicy: 'Always' } };
    const patch = { image: { tag: '2.0' } };
    const merged = mergePatch(target, patch);
    expect(merged).toEqual({ image: { tag: '2.0', pullPolicy: 'Always' } });
    expect(target).toEqual({ image: { tag: '1.0', pullPolicy: 'Always' } });
    expect(patch).toEqual({ image: { tag: '2.0' } });
  });

  it('keeps a `__proto__` key as data and never touches a prototype', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<
      string,
      unknown
    >;
    const merged = mergePatch({}, patch) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('applyValues', () => {
  const current = { replicaCount: 2, service: { port: 80, type: 'ClusterIP' } };

  it('merges by default semantics', () => {
    expect(applyValues(current, { service: { port: 8080 } }, 'merge')).toEqual({
      replicaCount: 2,
      service: { port: 8080, type: 'ClusterIP' },
    });
  });

  it('replaces everything with `replace`, nulls kept for helm', () => {
    expect(applyValues(current, { service: null }, 'replace')).toEqual({ service: null });
  });
});

describe('jsonDepth', () => {
  it('counts nesting without recursion', () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth({ a: [{ b: 1 }] })).toBe(3);
    let deep: unknown = 1;
    for (let level = 0; level < 100_000; level++) deep = [deep];
    expect(jsonDepth(deep)).toBe(100_000);
  });
});
