import type { Condition, ValueRange } from '../../contract';
import type { ValueType } from '../intent.enums';
import { numbers, strings, ValueSet } from './value-set';

/**
 * TS 28.312 condition semantics. Each condition expects a value range of a given shape:
 * a scalar (EQUAL_TO, the four comparisons), two ordered numeric bounds (WITHIN_RANGE and
 * OUTSIDE_RANGE, both bounds included in the range) or a non-empty list (ONE_OF, NOT_ONE_OF).
 */

const ORDERING = new Set<Condition>([
  'IS_LESS_THAN',
  'IS_GREATER_THAN',
  'IS_EQUAL_TO_OR_LESS_THAN',
  'IS_EQUAL_TO_OR_GREATER_THAN',
]);
const RANGES = new Set<Condition>(['IS_WITHIN_RANGE', 'IS_OUTSIDE_RANGE']);
const LISTS = new Set<Condition>(['IS_ONE_OF', 'IS_NOT_ONE_OF']);

/** Conditions that make sense for a value type (strings have no order). */
export function conditionsFor(type: ValueType): Condition[] {
  const all: Condition[] = ['IS_EQUAL_TO', ...ORDERING, ...RANGES, ...LISTS];
  return type === 'number' ? all : all.filter((c) => !ORDERING.has(c) && !RANGES.has(c));
}

const isOfType = (value: unknown, type: ValueType): boolean =>
  type === 'number'
    ? typeof value === 'number' && Number.isFinite(value)
    : typeof value === 'string';

const show = (range: ValueRange): string => JSON.stringify(range);

/**
 * Why `condition` with `range` does not fit a target of `type`, or null when it does. The messages
 * end up in `infeasibility_reason`, so they name the condition and the value.
 */
export function conditionMismatch(
  type: ValueType,
  condition: Condition,
  range: ValueRange,
): string | null {
  if (!conditionsFor(type).includes(condition)) {
    return `condition ${condition} does not apply to ${type} values`;
  }
  if (RANGES.has(condition)) return rangeMismatch(condition, range);
  if (LISTS.has(condition)) {
    if (!Array.isArray(range) || range.length === 0) {
      return `${condition} needs a non-empty list of ${type} values, got ${show(range)}`;
    }
    return range.every((v) => isOfType(v, type))
      ? null
      : `${condition} needs ${type} values, got ${show(range)}`;
  }
  return isOfType(range, type)
    ? null
    : `${condition} needs a single ${type} value, got ${show(range)}`;
}

function rangeMismatch(condition: Condition, range: ValueRange): string | null {
  if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => isOfType(v, 'number'))) {
    return `${condition} needs two numeric bounds [lower, upper], got ${show(range)}`;
  }
  const [lower, upper] = range as [number, number];
  return lower <= upper
    ? null
    : `${condition} needs ordered bounds (lower <= upper), got ${show(range)}`;
}

/** The values satisfying a condition; only defined once `conditionMismatch` returned null. */
export function conditionSet(type: ValueType, condition: Condition, range: ValueRange): ValueSet {
  const list = (Array.isArray(range) ? range : [range]) as Array<number & string>;
  if (type === 'string') {
    return condition === 'IS_NOT_ONE_OF' ? strings.notOneOf(list) : strings.oneOf(list);
  }
  const v = range as number;
  const [lo, hi] = list;
  switch (condition) {
    case 'IS_EQUAL_TO':
      return numbers.oneOf([v]);
    case 'IS_LESS_THAN':
      return numbers.lessThan(v);
    case 'IS_EQUAL_TO_OR_LESS_THAN':
      return numbers.atMost(v);
    case 'IS_GREATER_THAN':
      return numbers.greaterThan(v);
    case 'IS_EQUAL_TO_OR_GREATER_THAN':
      return numbers.atLeast(v);
    case 'IS_WITHIN_RANGE':
      return numbers.between(lo, hi);
    case 'IS_OUTSIDE_RANGE':
      return numbers.outside(lo, hi);
    case 'IS_ONE_OF':
      return numbers.oneOf(list);
    case 'IS_NOT_ONE_OF':
      return numbers.notOneOf(list);
  }
}

type Scalar = number | string;

const compare = (
  achieved: Scalar,
  bound: ValueRange,
  test: (a: number, b: number) => boolean,
): boolean => typeof achieved === 'number' && typeof bound === 'number' && test(achieved, bound);

function bounds(range: ValueRange): [number, number] | null {
  if (!Array.isArray(range) || range.length !== 2) return null;
  const [lo, hi] = range;
  return typeof lo === 'number' && typeof hi === 'number' ? [lo, hi] : null;
}

/**
 * Whether an observed value meets a condition, evaluated directly on the value (independent of
 * `conditionSet`, so the two can check each other). A value of the wrong type never meets it.
 */
export function satisfies(condition: Condition, range: ValueRange, achieved: Scalar): boolean {
  switch (condition) {
    case 'IS_EQUAL_TO':
      return !Array.isArray(range) && achieved === range;
    case 'IS_LESS_THAN':
      return compare(achieved, range, (a, b) => a < b);
    case 'IS_EQUAL_TO_OR_LESS_THAN':
      return compare(achieved, range, (a, b) => a <= b);
    case 'IS_GREATER_THAN':
      return compare(achieved, range, (a, b) => a > b);
    case 'IS_EQUAL_TO_OR_GREATER_THAN':
      return compare(achieved, range, (a, b) => a >= b);
    case 'IS_WITHIN_RANGE': {
      const b = bounds(range);
      return b !== null && typeof achieved === 'number' && b[0] <= achieved && achieved <= b[1];
    }
    case 'IS_OUTSIDE_RANGE': {
      const b = bounds(range);
      return b !== null && typeof achieved === 'number' && (achieved < b[0] || achieved > b[1]);
    }
    case 'IS_ONE_OF':
      return Array.isArray(range) && range.includes(achieved);
    case 'IS_NOT_ONE_OF':
      return (
        Array.isArray(range) &&
        range.length > 0 &&
        typeof achieved === typeof range[0] &&
        !range.includes(achieved)
      );
  }
}

export function describeCondition(condition: Condition, range: ValueRange): string {
  return `${condition} ${show(range)}`;
}
