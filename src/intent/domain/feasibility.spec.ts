import type { IntentObject } from '../../contract';
import { SEED_INTENT_NOTIFY, SEED_RUN_INTENT } from '../../../test/factories/intent.factory';
import catalogDocument from '../templates/intent-templates.v1.json';
import { parseCatalog } from '../templates/template-catalog';
import { ActiveIntent, feasibilityReasons, feasibilityVerdict, ObjectCheck } from './feasibility';
import type { IntentDraft, TargetDraft } from './intent-draft';

const catalog = parseCatalog(catalogDocument);
const INSTANCE = '936623ae-8969-4d73-8c04-527d1cb815ac';
const owned: ObjectCheck = {
  object_type: 'NEMO_WORKLOAD',
  object_instance: INSTANCE,
  status: 'owned',
};

function withTargets(
  targets: Array<Partial<TargetDraft>>,
  objectType = 'NEMO_WORKLOAD',
): IntentDraft {
  const [expectation] = SEED_RUN_INTENT.intent_expectations;
  return {
    ...SEED_RUN_INTENT,
    intent_expectations: [
      {
        ...expectation,
        expectation_object: { ...expectation.expectation_object, object_type: objectType },
        expectation_targets: targets.map((t) => ({ ...expectation.expectation_targets[0], ...t })),
      },
    ],
  };
}

const reasons = (
  candidate: IntentDraft,
  objects: ObjectCheck[] = [owned],
  others: ActiveIntent[] = [],
) => feasibilityReasons({ candidate, catalog, objects, others });

describe('feasibility check', () => {
  it('passes both seed intents', () => {
    expect(reasons(SEED_RUN_INTENT)).toEqual([]);
    expect(
      reasons(SEED_INTENT_NOTIFY, [
        { ...owned, object_instance: 'e4708935-c65b-4159-9c81-8e33524ca1e7' },
      ]),
    ).toEqual([]);
  });

  it('refuses a target unknown for the object type', () => {
    expect(reasons(withTargets([{ target_name: 'latency' }]))).toEqual([
      'expectation "1": target latency is not known for object type NEMO_WORKLOAD',
    ]);
  });

  it('refuses an object type outside the catalog', () => {
    expect(reasons(withTargets([{}], 'NEMO_CLUSTER'), [])).toEqual([
      'expectation "1": object type NEMO_CLUSTER is not in the intent template catalog',
    ]);
  });

  it('refuses a condition that does not fit the value type', () => {
    expect(
      reasons(
        withTargets([
          { target_name: 'clusterType', target_condition: 'IS_LESS_THAN', target_value_range: 'x' },
        ]),
      ),
    ).toEqual([
      'expectation "1": target clusterType: condition IS_LESS_THAN does not apply to string values',
    ]);
    expect(reasons(withTargets([{ target_value_range: '20' }]))).toEqual([
      'expectation "1": target cpuUsage: IS_LESS_THAN needs a single number value, got "20"',
    ]);
  });

  it('refuses IS_WITHIN_RANGE without two ordered bounds', () => {
    expect(
      reasons(withTargets([{ target_condition: 'IS_WITHIN_RANGE', target_value_range: [80, 20] }])),
    ).toEqual([
      'expectation "1": target cpuUsage: IS_WITHIN_RANGE needs ordered bounds (lower <= upper), got [80,20]',
    ]);
    expect(
      reasons(withTargets([{ target_condition: 'IS_WITHIN_RANGE', target_value_range: [20] }])),
    ).toEqual([
      'expectation "1": target cpuUsage: IS_WITHIN_RANGE needs two numeric bounds [lower, upper], got [20]',
    ]);
  });

  it('refuses a condition the catalog does not allow for the target', () => {
    expect(
      reasons(withTargets([{ target_condition: 'IS_ONE_OF', target_value_range: [10, 20] }])),
    ).toEqual([
      'expectation "1": target cpuUsage: condition IS_ONE_OF is not allowed (allowed: IS_LESS_THAN, IS_EQUAL_TO_OR_LESS_THAN, IS_GREATER_THAN, IS_EQUAL_TO_OR_GREATER_THAN, IS_WITHIN_RANGE, IS_OUTSIDE_RANGE)',
    ]);
  });

  it('refuses a condition no value within the target’s bounds can meet', () => {
    expect(reasons(withTargets([{ target_value_range: 0 }]))).toEqual([
      'expectation "1": target cpuUsage: IS_LESS_THAN 0 cannot hold: cpuUsage ranges over [0, 100] %',
    ]);
    expect(reasons(withTargets([{ target_value_range: 1e-9 }]))).toEqual([]);
  });

  it('refuses an object instance that is missing, not the caller’s or cannot be verified', () => {
    expect(reasons(SEED_RUN_INTENT, [{ ...owned, status: 'missing' }])).toEqual([
      `object instance ${INSTANCE} of type NEMO_WORKLOAD does not exist or does not belong to the caller`,
    ]);
    expect(reasons(SEED_RUN_INTENT, [{ ...owned, status: 'unverifiable' }])).toEqual([
      `object instance ${INSTANCE} of type NEMO_WORKLOAD cannot be verified: no resolver is registered for object type NEMO_WORKLOAD`,
    ]);
  });

  it('refuses a contradiction with another active intent on the same object', () => {
    const other: IntentObject = {
      ...SEED_RUN_INTENT,
      id: 41,
      intent_expectations: [
        {
          ...SEED_RUN_INTENT.intent_expectations[0],
          expectation_targets: [
            {
              ...SEED_RUN_INTENT.intent_expectations[0].expectation_targets[0],
              target_condition: 'IS_GREATER_THAN',
              target_value_range: 50,
            },
          ],
        },
      ],
    };
    expect(reasons(SEED_RUN_INTENT, [owned], [{ id: 41, intent: other }])).toEqual([
      `cpuUsage IS_LESS_THAN 20 contradicts intent 41: cpuUsage IS_GREATER_THAN 50 on NEMO_WORKLOAD ${INSTANCE}`,
    ]);
  });

  it('lists every reason, joined in the verdict', () => {
    const all = reasons(withTargets([{ target_name: 'latency' }, { target_value_range: [1, 2] }]), [
      { ...owned, status: 'missing' },
    ]);
    expect(all).toHaveLength(3);
    expect(feasibilityVerdict(all)).toEqual({
      feasibility_check_type: 'INFEASIBLE',
      infeasibility_reason: all.join('; '),
    });
    expect(feasibilityVerdict([])).toEqual({
      feasibility_check_type: 'FEASIBLE',
      infeasibility_reason: null,
    });
  });
});
