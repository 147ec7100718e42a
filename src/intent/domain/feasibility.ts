import type { FeasibilityCheckType } from '../../contract';
import { findTargetSpec, TargetSpec, TemplateCatalog } from '../templates/template-catalog';
import { conditionMismatch, conditionSet, describeCondition } from './conditions';
import { clashes, Conflict, conflictsOf, constraintsOf } from './contradiction';
import type { ExpectationDraft, IntentDraft, ObjectRef, TargetDraft } from './intent-draft';
import { HIGHEST, intersect, isEmpty, LOWEST, numbers } from './value-set';

/** What the object resolver said about an object instance the intent points at. */
export type ObjectStatus = 'owned' | 'missing' | 'unverifiable';

export interface ObjectCheck extends ObjectRef {
  status: ObjectStatus;
}

export interface ActiveIntent {
  id: number;
  intent: IntentDraft;
}

export interface FeasibilityInput {
  candidate: IntentDraft;
  catalog: TemplateCatalog;
  objects: readonly ObjectCheck[];
  /** Other active (FEASIBLE) intents on the candidate's objects, the candidate itself excluded. */
  others: readonly ActiveIntent[];
}

export interface FeasibilityVerdict {
  feasibility_check_type: FeasibilityCheckType;
  infeasibility_reason: string | null;
}

/** The verdict and, among its reasons, the conflicts with other intents. */
export interface FeasibilityFindings {
  reasons: string[];
  conflicts: Conflict[];
}

function domainReason(spec: TargetSpec, target: TargetDraft): string | null {
  if (spec.value_type !== 'number' || (spec.minimum === undefined && spec.maximum === undefined))
    return null;
  const lo = spec.minimum ?? LOWEST;
  const hi = spec.maximum ?? HIGHEST;
  const wanted = conditionSet('number', target.target_condition, target.target_value_range);
  if (!isEmpty(intersect(wanted, numbers.between(lo, hi)))) return null;
  const bounds = `[${spec.minimum ?? '-inf'}, ${spec.maximum ?? '+inf'}]`;
  return `${describeCondition(target.target_condition, target.target_value_range)} cannot hold: ${spec.target_name} ranges over ${bounds}${spec.unit ? ` ${spec.unit}` : ''}`;
}

function targetReason(
  catalog: TemplateCatalog,
  objectType: string,
  target: TargetDraft,
): string | null {
  const spec = findTargetSpec(catalog, objectType, target.target_name);
  if (!spec) return `target ${target.target_name} is not known for object type ${objectType}`;
  const mismatch = conditionMismatch(
    spec.value_type,
    target.target_condition,
    target.target_value_range,
  );
  if (mismatch) return `target ${target.target_name}: ${mismatch}`;
  if (!spec.allowed_conditions.includes(target.target_condition)) {
    return `target ${target.target_name}: condition ${target.target_condition} is not allowed (allowed: ${spec.allowed_conditions.join(', ')})`;
  }
  const outOfDomain = domainReason(spec, target);
  return outOfDomain ? `target ${target.target_name}: ${outOfDomain}` : null;
}

function expectationReasons(catalog: TemplateCatalog, expectation: ExpectationDraft): string[] {
  const objectType = expectation.expectation_object.object_type;
  const where = `expectation ${JSON.stringify(expectation.expectation_id)}`;
  if (!catalog.object_types.some((o) => o.object_type === objectType)) {
    return [`${where}: object type ${objectType} is not in the intent template catalog`];
  }
  return expectation.expectation_targets
    .map((target) => targetReason(catalog, objectType, target))
    .filter((reason): reason is string => reason !== null)
    .map((reason) => `${where}: ${reason}`);
}

function objectReason(check: ObjectCheck): string | null {
  const what = `object instance ${check.object_instance} of type ${check.object_type}`;
  if (check.status === 'missing') return `${what} does not exist or does not belong to the caller`;
  if (check.status === 'unverifiable') {
    return `${what} cannot be verified: no resolver is registered for object type ${check.object_type}`;
  }
  return null;
}

/**
 * The TS 28.312 feasibility check: every target known for its object type, each condition fitting
 * the target's value type and bounds, every object instance the caller's, and no contradiction with
 * the intent's own targets or with other active intents on the same object.
 */
export function feasibilityFindings(input: FeasibilityInput): FeasibilityFindings {
  const { candidate, catalog } = input;
  const valueTypeOf = (objectType: string, targetName: string) =>
    findTargetSpec(catalog, objectType, targetName)?.value_type;
  const others = input.others.flatMap((o) => constraintsOf(o.intent, valueTypeOf, o.id));
  const found = clashes(constraintsOf(candidate, valueTypeOf), others);
  return {
    reasons: [
      ...candidate.intent_expectations.flatMap((e) => expectationReasons(catalog, e)),
      ...input.objects.map(objectReason).filter((reason): reason is string => reason !== null),
      ...found.map((c) => c.reason),
    ],
    conflicts: conflictsOf(found),
  };
}

export function feasibilityReasons(input: FeasibilityInput): string[] {
  return feasibilityFindings(input).reasons;
}

export function feasibilityVerdict(reasons: readonly string[]): FeasibilityVerdict {
  return reasons.length === 0
    ? { feasibility_check_type: 'FEASIBLE', infeasibility_reason: null }
    : { feasibility_check_type: 'INFEASIBLE', infeasibility_reason: reasons.join('; ') };
}
