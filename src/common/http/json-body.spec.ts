import { DomainError } from '../errors/domain-error';
import { parseJsonBody } from './json-body';

const limits = { maxDepth: 8, maxElements: 100 };

function failure(text: string | Buffer): { code: string; status: number } {
  try {
    parseJsonBody(typeof text === 'string' ? Buffer.from(text) : text, limits);
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, status: error.status };
    throw error;
  }
  throw new Error('parsed');
}

describe('parseJsonBody', () => {
  it('parses objects and arrays, an empty body as {}', () => {
    expect(parseJsonBody(Buffer.from('{"a":[1,"b"]}'), limits)).toEqual({ a: [1, 'b'] });
    expect(parseJsonBody(Buffer.from('[1]'), limits)).toEqual([1]);
    expect(parseJsonBody(Buffer.alloc(0), limits)).toEqual({});
  });

  it('drops a UTF-8 byte order mark', () => {
    expect(parseJsonBody(Buffer.from('\ufeff{"a":1}'), limits)).toEqual({ a: 1 });
  });

  it('refuses malformed JSON, bare scalars and invalid UTF-8 as malformed_body', () => {
    expect(failure('{"a":')).toEqual({ code: 'malformed_body', status: 400 });
    expect(failure('"text"')).toEqual({ code: 'malformed_body', status: 400 });
    expect(failure('null')).toEqual({ code: 'malformed_body', status: 400 });
    expect(failure(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toEqual({
      code: 'malformed_body',
      status: 400,
    });
  });

  it('refuses depth and size before parsing, NUL and prototype keys after', () => {
    expect(failure('['.repeat(9) + ']'.repeat(9)).code).toBe('json_too_deep');
    expect(failure(`[${'0,'.repeat(100)}0]`).code).toBe('json_too_many_elements');
    expect(failure('{"name":"a\\u0000"}').code).toBe('forbidden_input');
    expect(failure('{"a":{"__proto__":{}}}').code).toBe('forbidden_input');
  });

  it('never lets a refused prototype key reach Object.prototype', () => {
    expect(() => parseJsonBody(Buffer.from('{"__proto__":{"polluted":1}}'), limits)).toThrow();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
