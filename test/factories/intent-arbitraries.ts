import fc from 'fast-check';
import type { Condition, ValueRange } from '../../src/contract';
import { nextDown, nextUp } from '../../src/intent/domain/value-set';

/** Numbers that collide often (small integers) mixed with arbitrary finite doubles. */
export const anyNumber = fc.oneof(
  fc.integer({ min: -4, max: 4 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

export interface NumericCondition {
  condition: Condition;
  range: ValueRange;
}

export const numericCondition: fc.Arbitrary<NumericCondition> = fc.oneof(
  fc.record({
    condition: fc.constantFrom<Condition>(
      'IS_EQUAL_TO',
      'IS_LESS_THAN',
      'IS_GREATER_THAN',
      'IS_EQUAL_TO_OR_LESS_THAN',
      'IS_EQUAL_TO_OR_GREATER_THAN',
    ),
    range: anyNumber,
  }),
  fc.record({
    condition: fc.constantFrom<Condition>('IS_WITHIN_RANGE', 'IS_OUTSIDE_RANGE'),
    range: fc.tuple(anyNumber, anyNumber).map(([a, b]) => [Math.min(a, b), Math.max(a, b)]),
  }),
  fc.record({
    condition: fc.constantFrom<Condition>('IS_ONE_OF', 'IS_NOT_ONE_OF'),
    range: fc.array(anyNumber, { minLength: 1, maxLength: 4 }),
  }),
);

/** The values where a condition can change its answer: each bound and its neighbouring doubles. */
export function probesOf(...conditions: NumericCondition[]): number[] {
  return conditions
    .flatMap((c) => (Array.isArray(c.range) ? c.range : [c.range]))
    .flatMap((v) => [v as number, nextUp(v as number), nextDown(v as number)])
    .filter(Number.isFinite);
}
