import { DomainError } from '../errors/domain-error';
import { INT32_MAX } from '../validation/bounds';
import { isCanonicalId, ParseIdPipe } from './parse-id.pipe';

describe('ParseIdPipe', () => {
  const pipe = new ParseIdPipe();
  const parse = (value: string): number => pipe.transform(value, { type: 'param', data: 'id' });

  it('reads canonical decimal ids from 1 to 2^31-1', () => {
    expect(parse('1')).toBe(1);
    expect(parse('16')).toBe(16);
    expect(parse(String(INT32_MAX))).toBe(INT32_MAX);
  });

  it.each([
    '0',
    String(INT32_MAX + 1),
    '99999999999',
    '1e3',
    '0x10',
    '+16',
    ' 16',
    '16 ',
    '016',
    '16.0',
    '-1',
    '',
  ])('refuses %j with a 400 naming the parameter', (value) => {
    expect(isCanonicalId(value)).toBe(false);
    let error: unknown;
    try {
      parse(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      status: 400,
      code: 'validation_failed',
      errors: [{ field: 'id', reason: expect.stringContaining(String(INT32_MAX)) }],
    });
  });
});
