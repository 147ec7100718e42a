import { DomainError } from '../errors/domain-error';
import { canonicalInteger, MAX_ID, parseId } from './id';

describe('canonicalInteger', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['16', 16],
    ['2147483647', MAX_ID],
  ])('reads %j as %d', (text, value) => {
    expect(canonicalInteger(text)).toBe(value);
  });

  it.each([
    '0x10',
    '1e3',
    '+16',
    ' 16',
    '16 ',
    '16.0',
    '016',
    '-1',
    '',
    '2147483648',
    '99999999999',
    '１６',
    '16\u0000',
    'Infinity',
    'NaN',
  ])('refuses %j', (text) => {
    expect(canonicalInteger(text)).toBeUndefined();
  });
});

describe('parseId', () => {
  it('returns the id', () => {
    expect(parseId('1000', 'id')).toBe(1000);
  });

  it.each(['0', '1e3', '2147483648', undefined])(
    'refuses %j with a 400 naming the field',
    (text) => {
      expect.assertions(3);
      try {
        parseId(text, 'id');
      } catch (error) {
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).status).toBe(400);
        expect((error as DomainError).errors).toEqual([
          { field: 'id', reason: `id must be a decimal integer id from 1 to ${MAX_ID}` },
        ]);
      }
    },
  );
});
