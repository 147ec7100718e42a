import fc from 'fast-check';
import { conditionSet, satisfies } from './conditions';
import { anyNumber, numericCondition, probesOf } from '../../../test/factories/intent-arbitraries';
import {
  contains,
  HIGHEST,
  intersect,
  isEmpty,
  LOWEST,
  nextDown,
  nextUp,
  numbers,
  strings,
  witness,
} from './value-set';

describe('doubles next to each other', () => {
  it('steps to the neighbouring double', () => {
    expect(nextUp(1)).toBe(1 + Number.EPSILON);
    expect(nextDown(1)).toBe(1 - Number.EPSILON / 2);
    expect(nextUp(0)).toBe(Number.MIN_VALUE);
    expect(nextDown(0)).toBe(-Number.MIN_VALUE);
    expect(nextUp(-Number.MIN_VALUE)).toBe(-0);
    expect(nextUp(HIGHEST)).toBe(Infinity);
    expect(nextDown(LOWEST)).toBe(-Infinity);
  });

  it('leaves no double strictly between x and nextUp(x)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const y = nextUp(x);
        expect(y > x).toBe(true);
        const middle = x + (y - x) / 2;
        expect(middle === x || middle === y).toBe(true);
        expect(nextDown(y) === x).toBe(true);
      }),
    );
  });
});

describe('value sets', () => {
  it('treats open bounds exactly: x < 1 and x > nextDown(1) share no double', () => {
    expect(isEmpty(intersect(numbers.lessThan(1), numbers.greaterThan(nextDown(1))))).toBe(true);
    expect(isEmpty(intersect(numbers.atMost(1), numbers.atLeast(1)))).toBe(false);
    expect(isEmpty(numbers.lessThan(LOWEST))).toBe(true);
    expect(isEmpty(numbers.greaterThan(HIGHEST))).toBe(true);
  });

  it('handles string sets and their complements', () => {
    expect(isEmpty(intersect(strings.oneOf(['a']), strings.oneOf(['b'])))).toBe(true);
    expect(isEmpty(intersect(strings.oneOf(['a', 'b']), strings.notOneOf(['a'])))).toBe(false);
    expect(isEmpty(intersect(strings.notOneOf(['a']), strings.notOneOf(['b'])))).toBe(false);
    expect(witness(strings.notOneOf(['', '~']))).toBe('~~');
    expect(isEmpty(intersect(strings.oneOf(['1']), numbers.oneOf([1])))).toBe(true);
  });

  it('intersects exactly: x is in A ∩ B iff it is in A and in B (property)', () => {
    fc.assert(
      fc.property(
        numericCondition,
        numericCondition,
        fc.array(anyNumber, { maxLength: 4 }),
        (a, b, extra) => {
          const A = conditionSet('number', a.condition, a.range);
          const B = conditionSet('number', b.condition, b.range);
          const both = intersect(A, B);
          for (const x of [...probesOf(a, b), ...extra]) {
            expect(contains(both, x)).toBe(contains(A, x) && contains(B, x));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('names a member of every non-empty set, which meets both conditions (property)', () => {
    fc.assert(
      fc.property(numericCondition, numericCondition, (a, b) => {
        const both = intersect(
          conditionSet('number', a.condition, a.range),
          conditionSet('number', b.condition, b.range),
        );
        const member = witness(both);
        expect(member === null).toBe(isEmpty(both));
        if (member === null) return;
        expect(satisfies(a.condition, a.range, member)).toBe(true);
        expect(satisfies(b.condition, b.range, member)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
