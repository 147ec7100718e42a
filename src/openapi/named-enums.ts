import { COUNT_MODES, PageQuery } from '../common/pagination/pagination';
import type { HealthCheckStatus, HealthIndicatorStatus } from '@nestjs/terminus';
import {
  CONDITIONS,
  everyOf,
  EXPECTATION_VERBS,
  FEASIBILITY_CHECK_TYPES,
  FULFILMENT_STATUSES,
  INSTANCE_STATUSES,
  NOT_FULFILLED_STATES,
  POD_SECURITY_PROFILES,
  PREEMPTION_CAPABILITIES,
  WORKLOAD_STATUSES,
} from '../contract';
import { PATH_TYPES } from '../ingress/ingress.annotations';

// @nestjs/terminus' readiness report (GET /readyz), split by outcome; the compiler checks that the
// two lists together hold every status terminus can answer.
const READY_STATUSES = ['ok', 'degraded'] as const;
const NOT_READY_STATUSES = ['error', 'shutting_down'] as const;
everyOf<HealthCheckStatus>()([...READY_STATUSES, ...NOT_READY_STATUSES] as const);
const SORT_ORDERS = everyOf<PageQuery['order']>()(['asc', 'desc'] as const);
const DEPENDENCY_STATUSES = everyOf<HealthIndicatorStatus>()(['up', 'degraded', 'down'] as const);

export interface NamedEnum {
  values: readonly string[];
  description: string;
}

/**
 * Every enumeration of the wire contract, by the schema name SDK generators see. Inline enums with
 * exactly one of these value sets are replaced by a reference (finalize-document.ts), so a route
 * that forgot `enumName` still produces the named type.
 */
export const NAMED_ENUMS: Readonly<Record<string, NamedEnum>> = {
  WorkloadStatus: {
    values: WORKLOAD_STATUSES,
    description:
      'Onboarding state of a workload document: `pending` (no chart yet) → `onboarding` → `accepted` | `rejected`.',
  },
  InstanceStatus: {
    values: INSTANCE_STATUSES,
    description:
      'Lifecycle of a workload instance: `rendered` → `deploying` / `deployed` / `failed` (reported by the ' +
      'meta-Orchestrator) → `deleting` → `deleted`.',
  },
  ExpectationVerb: { values: EXPECTATION_VERBS, description: 'TS 28.312 expectation verb.' },
  Condition: { values: CONDITIONS, description: 'TS 28.312 condition of a target or context.' },
  FulfilmentStatus: { values: FULFILMENT_STATUSES, description: 'TS 28.312 fulfilment status.' },
  NotFulfilledState: {
    values: NOT_FULFILLED_STATES,
    description: 'TS 28.312 state of an intent, expectation or target that is not fulfilled.',
  },
  FeasibilityCheckType: {
    values: FEASIBILITY_CHECK_TYPES,
    description: 'TS 28.312 feasibility check result.',
  },
  IntentPreemptionCapability: {
    values: PREEMPTION_CAPABILITIES,
    description: 'Whether the intent may preempt others (TS 28.312, a string "TRUE" or "FALSE").',
  },
  IngressPathType: {
    values: PATH_TYPES,
    description: 'Kubernetes Ingress path type (`nemo.eu/ingress-path-type`).',
  },
  PodSecurityProfile: {
    values: POD_SECURITY_PROFILES,
    description:
      'Kubernetes Pod Security Standards profile the pods of an instance must meet (render policy).',
  },
  SortOrder: { values: SORT_ORDERS, description: 'Sort direction of a list.' },
  CountMode: {
    values: COUNT_MODES,
    description: 'How a list computes `meta.total`: exactly, as an estimate, or not at all.',
  },
  ReadinessStatus: {
    values: READY_STATUSES,
    description: 'Readiness of the service: `degraded` when the broker is down but not required.',
  },
  NotReadyStatus: {
    values: NOT_READY_STATUSES,
    description: 'Why the service is not ready.',
  },
  DependencyStatus: {
    values: DEPENDENCY_STATUSES,
    description: 'State of one dependency in the readiness report.',
  },
};

/** The name of the registered enum with exactly these values, if any. */
export function namedEnumFor(values: readonly unknown[]): string | undefined {
  const key = canonical(values);
  return Object.entries(NAMED_ENUMS).find(([, named]) => canonical(named.values) === key)?.[0];
}

function canonical(values: readonly unknown[]): string {
  return JSON.stringify([...new Set(values.map(String))].sort());
}
