import type {
  Condition,
  ExpectationVerb,
  FeasibilityCheckType,
  FulfilmentStatus,
  NotFulfilledState,
} from '../events/payloads';

/** The TS 28.312 enumerations as runtime lists, for validation and named OpenAPI schemas. */
export const CONDITIONS = [
  'IS_EQUAL_TO',
  'IS_LESS_THAN',
  'IS_GREATER_THAN',
  'IS_WITHIN_RANGE',
  'IS_OUTSIDE_RANGE',
  'IS_ONE_OF',
  'IS_NOT_ONE_OF',
  'IS_EQUAL_TO_OR_LESS_THAN',
  'IS_EQUAL_TO_OR_GREATER_THAN',
] as const satisfies readonly Condition[];

export const EXPECTATION_VERBS = [
  'DELIVER',
  'ENSURE',
] as const satisfies readonly ExpectationVerb[];

export const FULFILMENT_STATUSES = [
  'FULFILLED',
  'NOT_FULFILLED',
] as const satisfies readonly FulfilmentStatus[];

export const NOT_FULFILLED_STATES = [
  'ACKNOWLEDGED',
  'COMPLIANT',
  'DEGRADED',
  'SUSPENDED',
  'TERMINATED',
  'FULFILMENTFAILED',
] as const satisfies readonly NotFulfilledState[];

export const FEASIBILITY_CHECK_TYPES = [
  'FEASIBLE',
  'INFEASIBLE',
] as const satisfies readonly FeasibilityCheckType[];

export const PREEMPTION_CAPABILITIES = ['TRUE', 'FALSE'] as const;
export type PreemptionCapability = (typeof PREEMPTION_CAPABILITIES)[number];

/** Value types a target can have in the template catalog. */
export const VALUE_TYPES = ['number', 'string'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];
