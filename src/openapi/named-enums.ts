import { COUNT_MODES } from '../common/pagination/pagination';
import type { InstanceStatus, WorkloadStatus } from '../events/payloads';
import { PATH_TYPES } from '../ingress/ingress.annotations';
import { POD_SECURITY_PROFILES } from '../instance/rendering/pod-security';
import {
  CONDITIONS,
  EXPECTATION_VERBS,
  FEASIBILITY_CHECK_TYPES,
  FULFILMENT_STATUSES,
  NOT_FULFILLED_STATES,
  PREEMPTION_CAPABILITIES,
} from '../intent/intent.enums';

/** Checks at compile time that `list` holds every member of the union U (and nothing else). */
function everyOf<U extends string>() {
  return <L extends readonly U[]>(list: L & ([U] extends [L[number]] ? unknown : never)): L => list;
}

const WORKLOAD_STATUSES = everyOf<WorkloadStatus>()([
  'pending',
  'onboarding',
  'accepted',
  'rejected',
] as const);
const INSTANCE_STATUSES = everyOf<InstanceStatus>()([
  'rendered',
  'deploying',
  'deployed',
  'failed',
  'deleting',
  'deleted',
] as const);

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
  SortOrder: { values: ['asc', 'desc'], description: 'Sort direction of a list.' },
  CountMode: {
    values: COUNT_MODES,
    description: 'How a list computes `meta.total`: exactly, as an estimate, or not at all.',
  },
  // @nestjs/terminus' readiness report (GET /readyz).
  ReadinessStatus: {
    values: ['ok', 'degraded'],
    description: 'Readiness of the service: `degraded` when the broker is down but not required.',
  },
  NotReadyStatus: {
    values: ['error', 'shutting_down'],
    description: 'Why the service is not ready.',
  },
  DependencyStatus: {
    values: ['up', 'degraded', 'down'],
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
