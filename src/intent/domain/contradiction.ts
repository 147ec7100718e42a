import type { ConflictType } from '../../contract';
import type { ValueType } from '../intent.enums';
import { conditionMismatch, conditionSet, describeCondition } from './conditions';
import type { ContextDraft, ExpectationDraft, IntentDraft, TargetDraft } from './intent-draft';
import { intersect, isEmpty, ValueSet } from './value-set';

/**
 * One target as a constraint on the values of (object, target name) under given contexts. Two
 * targets constrain the same thing only when object, name and every applicable context (intent,
 * expectation, object, target, context selectivity) are equal: a `cpuUsage < 20` at night does not
 * contradict a `cpuUsage > 50` in the daytime.
 */
export interface Constraint {
  key: string;
  /** e.g. `cpuUsage IS_LESS_THAN 20` or `intent 12: cpuUsage IS_GREATER_THAN 50`. */
  label: string;
  object: string;
  set: ValueSet;
  /** The other intent the constraint belongs to; null for the candidate's own. */
  intentId: number | null;
}

/** Why constraints cannot all hold, and which other intents take part (none: the candidate alone). */
export interface Clash {
  reason: string;
  intents: number[];
  type: ConflictType;
}

/** One conflict of the candidate with another intent (TS 28.312 IntentConflictReport). */
export interface Conflict {
  conflicting_intent: number;
  conflict_type: ConflictType;
  conflict_description: string;
}

/** How the rules learn a target's value type; undefined for targets they do not know. */
export type ValueTypeOf = (objectType: string, targetName: string) => ValueType | undefined;

const canonicalContexts = (contexts: readonly ContextDraft[]): string[] =>
  contexts
    .map((c) => JSON.stringify([c.context_attribute, c.context_condition, c.context_value_range]))
    .sort();

function constraintOf(
  intent: IntentDraft,
  expectation: ExpectationDraft,
  target: TargetDraft,
  type: ValueType,
  owner: number | null,
): Constraint {
  const o = expectation.expectation_object;
  const scope = canonicalContexts([
    ...intent.intent_contexts,
    ...expectation.expectation_contexts,
    ...o.object_contexts,
    ...target.target_contexts,
  ]);
  const condition = `${target.target_name} ${describeCondition(target.target_condition, target.target_value_range)}`;
  return {
    key: JSON.stringify([
      o.object_type,
      o.object_instance,
      target.target_name,
      o.context_selectivity,
      scope,
    ]),
    label: owner === null ? condition : `intent ${owner}: ${condition}`,
    object: `${o.object_type} ${o.object_instance}`,
    set: conditionSet(type, target.target_condition, target.target_value_range),
    intentId: owner,
  };
}

/** The constraints of an intent's well-typed targets (ill-typed ones are reported elsewhere). */
export function constraintsOf(
  intent: IntentDraft,
  valueTypeOf: ValueTypeOf,
  owner: number | null = null,
): Constraint[] {
  return intent.intent_expectations.flatMap((expectation) =>
    expectation.expectation_targets.flatMap((target) => {
      const type = valueTypeOf(expectation.expectation_object.object_type, target.target_name);
      if (!type || conditionMismatch(type, target.target_condition, target.target_value_range))
        return [];
      return [constraintOf(intent, expectation, target, type, owner)];
    }),
  );
}

const clash = (a: Constraint, b: Constraint): boolean => isEmpty(intersect(a.set, b.set));

const jointlyEmpty = (constraints: Constraint[]): boolean =>
  constraints.length > 0 && isEmpty(constraints.map((c) => c.set).reduce(intersect));

function ownClashes(own: Constraint[]): Clash[] {
  const pairs = own.flatMap((a, i) =>
    own
      .slice(i + 1)
      .filter((b) => clash(a, b))
      .map((b) => `${a.label} contradicts ${b.label} of the same intent on ${a.object}`),
  );
  if (pairs.length === 0 && jointlyEmpty(own))
    pairs.push(
      own.length === 1
        ? `${own[0].label} cannot hold for any finite value on ${own[0].object}`
        : `${own.map((c) => c.label).join(', ')} cannot hold together on ${own[0].object}`,
    );
  return pairs.map((reason) => ({ reason, intents: [], type: 'TARGET_CONFLICT' }));
}

const intentsOf = (constraints: Constraint[]): number[] => [
  ...new Set(constraints.flatMap((c) => (c.intentId === null ? [] : [c.intentId]))),
];

function foreignClashes(own: Constraint[], theirs: Constraint[]): Clash[] {
  const pairs = own.flatMap((a) =>
    theirs
      .filter((b) => clash(a, b))
      .map((b): Clash => ({
        reason: `${a.label} contradicts ${b.label} on ${a.object}`,
        intents: intentsOf([b]),
        type: 'TARGET_CONFLICT',
      })),
  );
  if (pairs.length > 0 || theirs.length === 0 || !jointlyEmpty([...own, ...theirs])) return pairs;
  return [
    {
      reason: `${own.map((c) => c.label).join(', ')} cannot hold together with ${theirs.map((c) => c.label).join(', ')} on ${own[0].object}`,
      intents: intentsOf(theirs),
      type: 'INTENT_CONFLICT',
    },
  ];
}

/**
 * Why the candidate's constraints cannot all hold: clashes among its own targets, then with the
 * targets of other active intents (naming them). Pairs are named first; a clash that needs three
 * or more constraints (e.g. ONE_OF [1, 2] with NOT_ONE_OF [1] and NOT_ONE_OF [2]) as a group.
 */
export function clashes(candidate: Constraint[], others: Constraint[]): Clash[] {
  const keys = [...new Set(candidate.map((c) => c.key))];
  return keys.flatMap((key) => {
    const own = candidate.filter((c) => c.key === key);
    const internal = ownClashes(own);
    if (internal.length > 0) return internal;
    return foreignClashes(
      own,
      others.filter((c) => c.key === key),
    );
  });
}

export function contradictions(candidate: Constraint[], others: Constraint[]): string[] {
  return clashes(candidate, others).map((c) => c.reason);
}

/**
 * The clashes with other intents, one conflict per other intent and clash: a pair of targets is a
 * TARGET_CONFLICT, a group that only fails together an INTENT_CONFLICT.
 */
export function conflictsOf(clashList: readonly Clash[]): Conflict[] {
  return clashList.flatMap((c) =>
    c.intents.map((intent) => ({
      conflicting_intent: intent,
      conflict_type: c.type,
      conflict_description: c.reason,
    })),
  );
}
