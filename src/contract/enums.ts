/**
 * Every enumeration of the wire contract, each defined once as a runtime list with its type derived
 * from it: validation, the OpenAPI and AsyncAPI documents and the TypeScript types all read these.
 */

/**
 * Checks at compile time that `list` holds every member of the union U (and nothing else): for a
 * list that must match a union defined elsewhere (a library's type, a narrower status set).
 */
export function everyOf<U extends string>() {
  return <L extends readonly U[]>(list: L & ([U] extends [L[number]] ? unknown : never)): L => list;
}

/** A workload document: `pending` (no chart yet) → `onboarding` → `accepted` | `rejected`. */
export const WORKLOAD_STATUSES = ['pending', 'onboarding', 'accepted', 'rejected'] as const;
export type WorkloadStatus = (typeof WORKLOAD_STATUSES)[number];

/** The statuses an `upload` event announces (a `pending` document has published nothing yet). */
export const UPLOAD_STATUSES = everyOf<Exclude<WorkloadStatus, 'pending'>>()([
  'onboarding',
  'accepted',
  'rejected',
] as const);
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

/** A workload instance: `rendered` → `deploying` / `deployed` / `failed` → `deleting` → `deleted`. */
export const INSTANCE_STATUSES = [
  'rendered',
  'deploying',
  'deployed',
  'failed',
  'deleting',
  'deleted',
] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** The Kubernetes Pod Security Standards level a document's renders are held to. */
export const POD_SECURITY_PROFILES = ['privileged', 'baseline', 'restricted'] as const;
export type PodSecurityProfile = (typeof POD_SECURITY_PROFILES)[number];

/** The TS 28.312 enumerations. */
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
] as const;
export const EXPECTATION_VERBS = ['DELIVER', 'ENSURE'] as const;
export const FULFILMENT_STATUSES = ['FULFILLED', 'NOT_FULFILLED'] as const;
export const NOT_FULFILLED_STATES = [
  'ACKNOWLEDGED',
  'COMPLIANT',
  'DEGRADED',
  'SUSPENDED',
  'TERMINATED',
  'FULFILMENTFAILED',
] as const;
export const FEASIBILITY_CHECK_TYPES = ['FEASIBLE', 'INFEASIBLE'] as const;
/** TS 28.312 intentAdminState: a DEACTIVATED intent is suspended, its data kept. */
export const INTENT_ADMIN_STATES = ['ACTIVATED', 'DEACTIVATED'] as const;
/** TS 28.312 IntentConflictReport.conflictType. */
export const CONFLICT_TYPES = [
  'INTENT_CONFLICT',
  'EXPECTATION_CONFLICT',
  'TARGET_CONFLICT',
] as const;
/** Whether an intent may preempt others: a string, as the seed has it. */
export const PREEMPTION_CAPABILITIES = ['TRUE', 'FALSE'] as const;

export type Condition = (typeof CONDITIONS)[number];
export type ExpectationVerb = (typeof EXPECTATION_VERBS)[number];
export type FulfilmentStatus = (typeof FULFILMENT_STATUSES)[number];
export type NotFulfilledState = (typeof NOT_FULFILLED_STATES)[number];
export type FeasibilityCheckType = (typeof FEASIBILITY_CHECK_TYPES)[number];
export type IntentAdminState = (typeof INTENT_ADMIN_STATES)[number];
export type ConflictType = (typeof CONFLICT_TYPES)[number];
export type PreemptionCapability = (typeof PREEMPTION_CAPABILITIES)[number];
