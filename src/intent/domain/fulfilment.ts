import type { Condition, FulfilmentInfo, NotFulfilledState, ValueRange } from '../../contract';
import { describeCondition, satisfies } from './conditions';

/** An observed value: a number or a string, or null when nothing has been observed yet. */
export type AchievedValue = number | string | null;

export interface ObservedTarget {
  id: number;
  target_name: string;
  target_condition: Condition;
  target_value_range: ValueRange;
  target_achieved_value: AchievedValue;
}

export interface ObservedExpectation<T extends ObservedTarget = ObservedTarget> {
  id: number;
  expectation_id: string;
  targets: readonly T[];
}

export interface TargetOutcome {
  id: number;
  info: FulfilmentInfo;
}

export interface ExpectationOutcome {
  id: number;
  info: FulfilmentInfo;
  targets: TargetOutcome[];
}

export interface FulfilmentOutcome {
  info: FulfilmentInfo;
  expectations: ExpectationOutcome[];
}

/** A suspended (DEACTIVATED) intent, expectation or target, with why. */
export function suspended(reasons: string[] = []): FulfilmentInfo {
  return {
    fulfilment_status: 'NOT_FULFILLED',
    not_fulfilled_state: 'SUSPENDED',
    not_fulfilled_reasons: reasons,
  };
}

/** Where every intent, expectation and target starts: nothing observed yet. */
export function acknowledged(): FulfilmentInfo {
  return {
    fulfilment_status: 'NOT_FULFILLED',
    not_fulfilled_state: 'ACKNOWLEDGED',
    not_fulfilled_reasons: [],
  };
}

const fulfilled = (): FulfilmentInfo => ({
  fulfilment_status: 'FULFILLED',
  not_fulfilled_state: null,
  not_fulfilled_reasons: [],
});

/** Worse states win when children are combined. */
const SEVERITY: Record<NotFulfilledState, number> = {
  ACKNOWLEDGED: 0,
  COMPLIANT: 1,
  DEGRADED: 2,
  SUSPENDED: 3,
  TERMINATED: 4,
  FULFILMENTFAILED: 5,
};

/**
 * A target is FULFILLED when its observed value meets its condition, NOT_FULFILLED/ACKNOWLEDGED
 * while nothing is observed, and NOT_FULFILLED/DEGRADED (with the reason) when the value misses.
 */
export function targetFulfilment(target: ObservedTarget): FulfilmentInfo {
  const achieved = target.target_achieved_value;
  if (achieved === null) return acknowledged();
  if (satisfies(target.target_condition, target.target_value_range, achieved)) return fulfilled();
  const expected = describeCondition(target.target_condition, target.target_value_range);
  return {
    fulfilment_status: 'NOT_FULFILLED',
    not_fulfilled_state: 'DEGRADED',
    not_fulfilled_reasons: [
      `${target.target_name} is ${JSON.stringify(achieved)}, expected ${expected}`,
    ],
  };
}

/**
 * All children FULFILLED → FULFILLED. Otherwise NOT_FULFILLED in the worst state of the unfulfilled
 * children, with their reasons prefixed by the child's label.
 */
export function combineFulfilment(
  children: ReadonlyArray<{ label: string; info: FulfilmentInfo }>,
): FulfilmentInfo {
  const open = children.filter((c) => c.info.fulfilment_status !== 'FULFILLED');
  if (children.length > 0 && open.length === 0) return fulfilled();
  const states = open.map((c) => c.info.not_fulfilled_state ?? 'ACKNOWLEDGED');
  const worst = states.reduce<NotFulfilledState>(
    (a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a),
    'ACKNOWLEDGED',
  );
  return {
    fulfilment_status: 'NOT_FULFILLED',
    not_fulfilled_state: worst,
    not_fulfilled_reasons: open.flatMap((c) =>
      c.info.not_fulfilled_reasons.map((r) => `${c.label}: ${r}`),
    ),
  };
}

/** Target → expectation → intent fulfilment, each target judged by `judge` (its latest value by default). */
export function computeFulfilment<T extends ObservedTarget>(
  expectations: ReadonlyArray<ObservedExpectation<T>>,
  judge: (target: T) => FulfilmentInfo = targetFulfilment,
): FulfilmentOutcome {
  const outcomes = expectations.map((expectation): ExpectationOutcome => {
    const targets = expectation.targets.map((t) => ({
      id: t.id,
      label: `target ${t.id} (${t.target_name})`,
      info: judge(t),
    }));
    return {
      id: expectation.id,
      info: combineFulfilment(targets),
      targets: targets.map(({ id, info }) => ({ id, info })),
    };
  });
  const labelled = outcomes.map((o, i) => ({
    label: `expectation ${JSON.stringify(expectations[i].expectation_id)}`,
    info: o.info,
  }));
  return { info: combineFulfilment(labelled), expectations: outcomes };
}
