/**
 * The wire contract of the lifecycle events on exchange `nemo.api.workload`, exactly as the seed
 * README's examples: snake_case names, database ids, nulls where the seed has nulls. Producers and
 * tests import these types; `event-map.ts` ties each routing key to one of them.
 */

export type WorkloadStatus = 'pending' | 'onboarding' | 'accepted' | 'rejected';

export type InstanceStatus =
  'rendered' | 'deploying' | 'deployed' | 'failed' | 'deleting' | 'deleted';

/** The TS 28.312 enumerations as runtime lists (validation, OpenAPI and AsyncAPI schemas). */
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

export type Condition = (typeof CONDITIONS)[number];
export type ExpectationVerb = (typeof EXPECTATION_VERBS)[number];
export type FulfilmentStatus = (typeof FULFILMENT_STATUSES)[number];
export type NotFulfilledState = (typeof NOT_FULFILLED_STATES)[number];
export type FeasibilityCheckType = (typeof FEASIBILITY_CHECK_TYPES)[number];
export type IntentAdminState = (typeof INTENT_ADMIN_STATES)[number];
export type ConflictType = (typeof CONFLICT_TYPES)[number];

export type ValueRange = number | string | Array<number | string>;

export interface Context {
  id?: number;
  context_attribute: string;
  context_condition: Condition;
  context_value_range: ValueRange;
}

export interface ExpectationObject {
  id: number;
  object_type: string;
  object_instance: string;
  context_selectivity: string | null;
  object_contexts: Context[];
}

export interface ExpectationTarget {
  id: number;
  target_name: string;
  target_condition: Condition;
  target_value_range: ValueRange;
  target_contexts: Context[];
}

export interface IntentExpectation {
  id: number;
  expectation_id: string;
  expectation_verb: ExpectationVerb;
  expectation_object: ExpectationObject;
  expectation_targets: ExpectationTarget[];
  expectation_contexts: Context[];
}

export interface FulfilmentInfo {
  fulfilment_status: FulfilmentStatus;
  not_fulfilled_state: NotFulfilledState | null;
  not_fulfilled_reasons: string[];
}

export interface TargetFulfilmentResult {
  target: number;
  target_achieved_value: ValueRange | null;
  target_fulfilment_info: FulfilmentInfo;
}

export interface ExpectationFulfilmentResult {
  expectation_fulfilment_info: FulfilmentInfo;
  expectation_id: number;
  target_fulfilment_results: TargetFulfilmentResult[];
}

export interface IntentFulfilmentReport {
  id: number;
  intent_fulfilment_info: FulfilmentInfo;
  expectation_fulfilment_results: ExpectationFulfilmentResult[];
}

export interface IntentFeasibilityCheckReport {
  id: number;
  feasibility_check_type: FeasibilityCheckType;
  infeasibility_reason: string | null;
}

/**
 * TS 28.312 IntentConflictReport: another active intent whose targets cannot hold together with
 * this one's on the same object. Kept on both intents until one of them changes, is deactivated or
 * is deleted.
 */
export interface IntentConflictReport {
  id: number;
  conflict_type: ConflictType;
  /** The id of the other intent. */
  conflicting_intent: number;
  /** What clashes, e.g. `cpuUsage IS_LESS_THAN 20 contradicts intent 12: cpuUsage IS_GREATER_THAN 50 on …`. */
  conflict_description: string;
  recommended_solution: string;
}

/** `intent_report_reference` exactly as the seed has it, without the fields added since. */
export interface SeedIntentReport {
  id: number;
  intent_fulfilment_report: IntentFulfilmentReport;
  intent_feasibility_check_report: IntentFeasibilityCheckReport | null;
  /** ISO-8601 UTC with microseconds and `Z`, e.g. 2024-07-09T14:17:36.590890Z */
  last_updated_time: string;
}

export interface IntentReport extends SeedIntentReport {
  /** Added after the seed's fields: the conflicts with other intents (TS 28.312 intentConflictReports). */
  intent_conflict_reports: IntentConflictReport[];
}

/** The intent object exactly as the seed has it, without the fields added since. */
export interface SeedIntentObject {
  id: number;
  user_label: string;
  intent_preemption_capability: 'TRUE' | 'FALSE';
  observation_period: number;
  intent_expectations: IntentExpectation[];
  intent_report_reference: SeedIntentReport;
  intent_contexts: Context[];
}

/**
 * The full TS 28.312 intent object as serialized in `run` and `intent-notify`: the seed's fields in
 * the seed's order, then the added ones.
 */
export interface IntentObject extends SeedIntentObject {
  intent_report_reference: IntentReport;
  /** Added after the seed's fields: ACTIVATED, or DEACTIVATED while suspended. */
  intent_admin_state: IntentAdminState;
}

/** A rendered Kubernetes object: opaque JSON to the event contract. */
export type KubernetesManifest = { apiVersion: string; kind: string } & Record<string, unknown>;

export interface UploadEvent {
  id: number;
  name: string;
  version: string;
  type: 'chart';
  status: Exclude<WorkloadStatus, 'pending'>;
}

export interface RunEvent {
  id: number;
  instance_id: string;
  workload_document_id: number;
  release_name: string;
  status: 'rendered';
  manifests: KubernetesManifest[];
  cluster_name: string | null;
  intents: IntentObject[];
  /**
   * Added after the seed's fields (their names and order unchanged): the instance revision these
   * manifests are, 1 on creation, +1 per upgrade or rollback. Apply the highest one seen.
   */
  revision: number;
}

/** The `run` message exactly as the seed defines it, without the fields added since. */
export type SeedRunEvent = Omit<RunEvent, 'revision' | 'intents'> & { intents: SeedIntentObject[] };

export type IntentNotifyEvent = IntentObject;

export interface DeleteEvent {
  id: number;
  instance_id: string;
  cluster_name: string | null;
}
