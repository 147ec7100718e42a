/**
 * Sets of target values, used to decide whether conditions can hold together.
 *
 * Numbers are finite IEEE doubles (what a JSON body can carry), so a set of numbers is a union of
 * CLOSED intervals of doubles: an open bound is moved to the neighbouring double. That makes
 * emptiness exact: `x < 1 AND x > nextDown(1)` is empty, because no double lies strictly between.
 * Strings form a finite set (`in`) or the complement of one (`notIn`).
 */

export interface NumberInterval {
  lo: number;
  hi: number;
}

export interface NumberSet {
  kind: 'number';
  /** Sorted, disjoint, non-adjacent, each with lo <= hi. */
  intervals: NumberInterval[];
}

export interface StringSet {
  kind: 'string';
  mode: 'in' | 'notIn';
  /** Sorted, without duplicates. */
  values: string[];
}

export type ValueSet = NumberSet | StringSet;

export const LOWEST = -Number.MAX_VALUE;
export const HIGHEST = Number.MAX_VALUE;

const bits = new BigInt64Array(1);
const float = new Float64Array(bits.buffer);

/** The smallest double greater than x (Infinity above the largest finite double). */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  float[0] = x;
  bits[0] += x > 0 ? 1n : -1n;
  return float[0];
}

/** The largest double smaller than x. */
export function nextDown(x: number): number {
  return -nextUp(-x);
}

function normalizeIntervals(intervals: NumberInterval[]): NumberInterval[] {
  const sorted = intervals.filter((i) => i.lo <= i.hi).sort((a, b) => a.lo - b.lo);
  const merged: NumberInterval[] = [];
  for (const interval of sorted) {
    const last = merged.at(-1);
    if (last && nextUp(last.hi) >= interval.lo) {
      last.hi = Math.max(last.hi, interval.hi);
    } else {
      merged.push({ ...interval });
    }
  }
  return merged;
}

const numberSet = (intervals: NumberInterval[]): NumberSet => ({
  kind: 'number',
  intervals: normalizeIntervals(intervals),
});

const zeroless = (x: number): number => (x === 0 ? 0 : x);

export const numbers = {
  all: (): NumberSet => numberSet([{ lo: LOWEST, hi: HIGHEST }]),
  between: (lo: number, hi: number): NumberSet =>
    numberSet([{ lo: zeroless(lo), hi: zeroless(hi) }]),
  lessThan: (v: number): NumberSet => numberSet([{ lo: LOWEST, hi: nextDown(zeroless(v)) }]),
  atMost: (v: number): NumberSet => numberSet([{ lo: LOWEST, hi: zeroless(v) }]),
  greaterThan: (v: number): NumberSet => numberSet([{ lo: nextUp(zeroless(v)), hi: HIGHEST }]),
  atLeast: (v: number): NumberSet => numberSet([{ lo: zeroless(v), hi: HIGHEST }]),
  outside: (lo: number, hi: number): NumberSet =>
    numberSet([
      { lo: LOWEST, hi: nextDown(zeroless(lo)) },
      { lo: nextUp(zeroless(hi)), hi: HIGHEST },
    ]),
  oneOf: (values: readonly number[]): NumberSet =>
    numberSet(values.map((v) => ({ lo: zeroless(v), hi: zeroless(v) }))),
  notOneOf: (values: readonly number[]): NumberSet => {
    const points = [...new Set(values.map(zeroless))].sort((a, b) => a - b);
    const gaps: NumberInterval[] = [];
    let lo = LOWEST;
    for (const point of points) {
      gaps.push({ lo, hi: nextDown(point) });
      lo = nextUp(point);
    }
    gaps.push({ lo, hi: HIGHEST });
    return numberSet(gaps);
  },
};

const stringSet = (mode: StringSet['mode'], values: Iterable<string>): StringSet => ({
  kind: 'string',
  mode,
  values: [...new Set(values)].sort(),
});

export const strings = {
  oneOf: (values: readonly string[]): StringSet => stringSet('in', values),
  notOneOf: (values: readonly string[]): StringSet => stringSet('notIn', values),
};

function intersectNumbers(a: NumberSet, b: NumberSet): NumberSet {
  const pieces: NumberInterval[] = [];
  for (const x of a.intervals) {
    for (const y of b.intervals) {
      pieces.push({ lo: Math.max(x.lo, y.lo), hi: Math.min(x.hi, y.hi) });
    }
  }
  return numberSet(pieces);
}

function intersectStrings(a: StringSet, b: StringSet): StringSet {
  if (a.mode === 'notIn' && b.mode === 'notIn')
    return stringSet('notIn', [...a.values, ...b.values]);
  if (a.mode === 'in' && b.mode === 'in')
    return stringSet(
      'in',
      a.values.filter((v) => b.values.includes(v)),
    );
  const [included, excluded] = a.mode === 'in' ? [a, b] : [b, a];
  return stringSet(
    'in',
    included.values.filter((v) => !excluded.values.includes(v)),
  );
}

/** The values in both sets; sets of different kinds share nothing. */
export function intersect(a: ValueSet, b: ValueSet): ValueSet {
  if (a.kind === 'number' && b.kind === 'number') return intersectNumbers(a, b);
  if (a.kind === 'string' && b.kind === 'string') return intersectStrings(a, b);
  return numberSet([]);
}

export function isEmpty(set: ValueSet): boolean {
  if (set.kind === 'number') return set.intervals.length === 0;
  return set.mode === 'in' && set.values.length === 0;
}

export function contains(set: ValueSet, value: number | string): boolean {
  if (set.kind === 'number') {
    if (typeof value !== 'number') return false;
    return set.intervals.some((i) => i.lo <= value && value <= i.hi);
  }
  if (typeof value !== 'string') return false;
  return set.mode === 'in' ? set.values.includes(value) : !set.values.includes(value);
}

/** One member of the set, or null when it is empty. */
export function witness(set: ValueSet): number | string | null {
  if (set.kind === 'number') return set.intervals[0]?.lo ?? null;
  if (set.mode === 'in') return set.values[0] ?? null;
  let candidate = '';
  while (set.values.includes(candidate)) candidate += '~';
  return candidate;
}
