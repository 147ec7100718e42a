import { DomainError } from '../errors/domain-error';
import { MAX_LISTED_ERRORS } from '../errors/problem';
import { assertNoForbiddenInput, findForbiddenInput } from './forbidden-input';

describe('findForbiddenInput', () => {
  it('finds nothing in ordinary input', () => {
    expect(findForbiddenInput({ a: 'text', b: [1, 'two', { c: null }], d: true })).toEqual([]);
  });

  it('names every string that holds a NUL, with its path', () => {
    expect(findForbiddenInput({ description: 'a\u0000b', list: [{ reason: '\u0000' }] })).toEqual([
      { field: 'description', reason: 'description contains a NUL character' },
      { field: 'list[0].reason', reason: 'list[0].reason contains a NUL character' },
    ]);
  });

  it('names strings and keys holding a lone surrogate, and accepts well-formed pairs', () => {
    expect(findForbiddenInput({ a: 'x\ud800', b: ['\udc00'], c: '\ud83d\ude80' })).toEqual([
      { field: 'a', reason: 'a contains a lone surrogate (not Unicode text)' },
      { field: 'b[0]', reason: 'b[0] contains a lone surrogate (not Unicode text)' },
    ]);
    expect(findForbiddenInput({ values: { 'k\ud800': 1, '\ud83d\ude80': 2 } })).toEqual([
      { field: 'values.k\ufffd', reason: 'the key contains a lone surrogate (not Unicode text)' },
    ]);
  });

  it('names a key that holds a NUL, printed as its escape', () => {
    expect(findForbiddenInput({ values: { 'a\u0000': 1 } })).toEqual([
      { field: 'values.a\\u0000', reason: 'the key contains a NUL character' },
    ]);
  });

  it('refuses prototype keys at any depth, as JSON.parse makes them own keys', () => {
    const body = JSON.parse('{"values":{"x":[{"__proto__":{"admin":true}}]},"constructor":1}');
    expect(findForbiddenInput(body).map((error) => error.field)).toEqual([
      'values.x[0].__proto__',
      'constructor',
    ]);
    expect(findForbiddenInput({ prototype: {} })).toHaveLength(1);
  });

  it('names a top-level value by the path it is given', () => {
    expect(findForbiddenInput('\u0000', 'name')).toEqual([
      { field: 'name', reason: 'name contains a NUL character' },
    ]);
  });

  it(`stops after ${MAX_LISTED_ERRORS} errors`, () => {
    const many = Array.from({ length: 1000 }, () => '\u0000');
    expect(findForbiddenInput(many)).toHaveLength(MAX_LISTED_ERRORS);
  });

  it('throws a 400 forbidden_input naming the fields', () => {
    expect.assertions(3);
    try {
      assertNoForbiddenInput({ name: 'x\u0000' });
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).status).toBe(400);
      expect((error as DomainError).errors).toEqual([
        { field: 'name', reason: 'name contains a NUL character' },
      ]);
    }
  });
});
