import type { FulfilmentInfo } from '../../contract';
import { describeCondition, satisfies } from './conditions';
import { acknowledged, AchievedValue, ObservedTarget } from './fulfilment';
import { formatMicroTimestamp } from './timestamp';

const MICROS_PER_SECOND = 1_000_000;

/**
 * What is kept of a target's observations to judge it over any window that ends now: its latest
 * value and when it came, and the latest value that missed the condition and when. Two timestamps,
 * however many reports came before: judging costs the same after 10 or 10,000 reports.
 */
export interface TargetWindowState {
  value: AchievedValue;
  /** Epoch microseconds of the latest observation; null when nothing is observed (or it was cleared). */
  observedAt: number | null;
  /** Epoch microseconds of the latest observation that missed the condition. */
  missedAt: number | null;
  missedValue: AchievedValue;
}

export interface Observation {
  value: AchievedValue;
  at: number;
}

export const NOTHING_OBSERVED: TargetWindowState = {
  value: null,
  observedAt: null,
  missedAt: null,
  missedValue: null,
};

type Condition = Pick<ObservedTarget, 'target_name' | 'target_condition' | 'target_value_range'>;

const misses = (target: Condition, value: Exclude<AchievedValue, null>): boolean =>
  !satisfies(target.target_condition, target.target_value_range, value);

/** The state after one more observation; a null value clears the target (nothing observed). */
export function observe(
  state: TargetWindowState,
  target: Condition,
  observation: Observation,
): TargetWindowState {
  const { value, at } = observation;
  if (value === null) return NOTHING_OBSERVED;
  if (!misses(target, value)) return { ...state, value, observedAt: at };
  return { value, observedAt: at, missedAt: at, missedValue: value };
}

const notObserved = (target: Condition, periodSeconds: number): FulfilmentInfo => ({
  ...acknowledged(),
  not_fulfilled_reasons: [
    `${target.target_name}: no value observed in the last ${periodSeconds} s`,
  ],
});

function degraded(target: Condition, value: AchievedValue, at: number, periodSeconds: number) {
  const expected = describeCondition(target.target_condition, target.target_value_range);
  const when =
    periodSeconds === 0
      ? ''
      : ` at ${formatMicroTimestamp(BigInt(at))} (within the last ${periodSeconds} s)`;
  return {
    fulfilment_status: 'NOT_FULFILLED' as const,
    not_fulfilled_state: 'DEGRADED' as const,
    not_fulfilled_reasons: [
      `${target.target_name} was ${JSON.stringify(value)}${when}, expected ${expected}`,
    ],
  };
}

/**
 * The observation-window rule. The window is the last `periodSeconds` seconds up to `now`
 * (inclusive); with a period of 0 it is the latest observation alone, whenever it came.
 * - no observation in the window: NOT_FULFILLED/ACKNOWLEDGED ("no value observed in the last N s";
 *   without a reason when nothing was ever observed);
 * - some value in the window missed the condition: NOT_FULFILLED/DEGRADED, naming the latest one;
 * - every value in the window met it: FULFILLED.
 */
export function judgeWindow(
  target: Condition,
  state: TargetWindowState,
  now: number,
  periodSeconds: number,
): FulfilmentInfo {
  if (state.observedAt === null) return acknowledged();
  const start = periodSeconds === 0 ? state.observedAt : now - periodSeconds * MICROS_PER_SECOND;
  if (state.observedAt < start) return notObserved(target, periodSeconds);
  if (state.missedAt !== null && state.missedAt >= start)
    return degraded(target, state.missedValue, state.missedAt, periodSeconds);
  return {
    fulfilment_status: 'FULFILLED',
    not_fulfilled_state: null,
    not_fulfilled_reasons: [],
  };
}

/**
 * The same rule stated over the whole list of observations (oldest first): what `judgeWindow`
 * must agree with after `observe` has folded the list. The unit tests hold the two together.
 */
export function judgeObservations(
  target: Condition,
  observations: readonly Observation[],
  now: number,
  periodSeconds: number,
): FulfilmentInfo {
  const cleared = observations.map((o) => o.value).lastIndexOf(null);
  const current = observations.slice(cleared + 1);
  if (current.length === 0) return acknowledged();
  const latest = current[current.length - 1];
  const start = periodSeconds === 0 ? latest.at : now - periodSeconds * MICROS_PER_SECOND;
  const inWindow = current.filter((o) => o.at >= start);
  if (inWindow.length === 0) return notObserved(target, periodSeconds);
  const missed = inWindow.filter((o) => o.value !== null && misses(target, o.value));
  if (missed.length > 0) {
    const last = missed[missed.length - 1];
    return degraded(target, last.value, last.at, periodSeconds);
  }
  return { fulfilment_status: 'FULFILLED', not_fulfilled_state: null, not_fulfilled_reasons: [] };
}
