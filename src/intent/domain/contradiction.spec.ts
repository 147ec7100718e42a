import fc from 'fast-check';
import type { Condition, ValueRange } from '../../contract';
import {
  anyNumber,
  NumericCondition,
  numericCondition,
  probesOf,
} from '../../../test/factories/intent-arbitraries';
import { satisfies } from './conditions';
import { constraintsOf, contradictions, ValueTypeOf } from './contradiction';
import type { ContextDraft, IntentDraft } from './intent-draft';

const TYPES: Record<string, 'number' | 'string'> = {
  cpuUsage: 'number',
  ramUsage: 'number',
  clusterType: 'string',
};
const valueTypeOf: ValueTypeOf = (objectType, name) =>
  objectType === 'NEMO_WORKLOAD' ? TYPES[name] : undefined;

interface T {
  name?: string;
  condition: Condition;
  range: ValueRange;
  contexts?: ContextDraft[];
}

function intent(targets: T[], objectInstance = 'w-1'): IntentDraft {
  return {
    user_label: 'x',
    intent_preemption_capability: 'FALSE',
    observation_period: 60,
    intent_admin_state: 'ACTIVATED',
    intent_expectations: [
      {
        expectation_id: '1',
        expectation_verb: 'ENSURE',
        expectation_object: {
          object_type: 'NEMO_WORKLOAD',
          object_instance: objectInstance,
          context_selectivity: null,
          object_contexts: [],
        },
        expectation_targets: targets.map((t) => ({
          target_name: t.name ?? 'cpuUsage',
          target_condition: t.condition,
          target_value_range: t.range,
          target_contexts: t.contexts ?? [],
        })),
        expectation_contexts: [],
      },
    ],
    intent_contexts: [],
  };
}

const against = (candidate: T[], other: T[], otherInstance = 'w-1'): string[] =>
  contradictions(
    constraintsOf(intent(candidate), valueTypeOf),
    constraintsOf(intent(other, otherInstance), valueTypeOf, 7),
  );

describe('contradiction detection', () => {
  it('names the clash of cpuUsage < 20 with another intent’s cpuUsage > 50', () => {
    expect(
      against(
        [{ condition: 'IS_LESS_THAN', range: 20 }],
        [{ condition: 'IS_GREATER_THAN', range: 50 }],
      ),
    ).toEqual([
      'cpuUsage IS_LESS_THAN 20 contradicts intent 7: cpuUsage IS_GREATER_THAN 50 on NEMO_WORKLOAD w-1',
    ]);
  });

  it('accepts overlapping conditions, touching closed bounds included', () => {
    expect(
      against(
        [{ condition: 'IS_LESS_THAN', range: 50 }],
        [{ condition: 'IS_GREATER_THAN', range: 20 }],
      ),
    ).toEqual([]);
    expect(
      against(
        [{ condition: 'IS_EQUAL_TO_OR_LESS_THAN', range: 20 }],
        [{ condition: 'IS_EQUAL_TO_OR_GREATER_THAN', range: 20 }],
      ),
    ).toEqual([]);
    expect(
      against(
        [{ condition: 'IS_LESS_THAN', range: 20 }],
        [{ condition: 'IS_EQUAL_TO_OR_GREATER_THAN', range: 20 }],
      ),
    ).toHaveLength(1);
  });

  it('compares only the same target on the same object under the same contexts', () => {
    const low: T[] = [{ condition: 'IS_LESS_THAN', range: 20 }];
    const high: T[] = [{ condition: 'IS_GREATER_THAN', range: 50 }];
    expect(against(low, high, 'w-2')).toEqual([]);
    expect(against(low, [{ ...high[0], name: 'ramUsage' }])).toEqual([]);
    const night: ContextDraft = {
      context_attribute: 'timeOfDay',
      context_condition: 'IS_WITHIN_RANGE',
      context_value_range: [0, 6],
    };
    expect(against(low, [{ ...high[0], contexts: [night] }])).toEqual([]);
    expect(
      against([{ ...low[0], contexts: [night] }], [{ ...high[0], contexts: [night] }]),
    ).toHaveLength(1);
  });

  it('finds contradictions within one intent', () => {
    const reasons = contradictions(
      constraintsOf(
        intent([
          { condition: 'IS_WITHIN_RANGE', range: [0, 10] },
          { condition: 'IS_GREATER_THAN', range: 10 },
        ]),
        valueTypeOf,
      ),
      [],
    );
    expect(reasons).toEqual([
      'cpuUsage IS_WITHIN_RANGE [0,10] contradicts cpuUsage IS_GREATER_THAN 10 of the same intent on NEMO_WORKLOAD w-1',
    ]);
  });

  it('compares strings', () => {
    const fl: T = { name: 'clusterType', condition: 'IS_EQUAL_TO', range: 'FederatedLearning' };
    expect(against([fl], [{ ...fl, range: 'Edge' }])).toHaveLength(1);
    expect(against([fl], [{ ...fl, condition: 'IS_NOT_ONE_OF', range: ['Edge'] }])).toEqual([]);
    expect(
      against([fl], [{ ...fl, condition: 'IS_NOT_ONE_OF', range: ['FederatedLearning'] }]),
    ).toHaveLength(1);
  });

  it('names a clash that needs three constraints as a group', () => {
    const reasons = against(
      [{ condition: 'IS_ONE_OF', range: [1, 2] }],
      [
        { condition: 'IS_NOT_ONE_OF', range: [1] },
        { condition: 'IS_NOT_ONE_OF', range: [2] },
      ],
    );
    expect(reasons).toEqual([
      'cpuUsage IS_ONE_OF [1,2] cannot hold together with intent 7: cpuUsage IS_NOT_ONE_OF [1], intent 7: cpuUsage IS_NOT_ONE_OF [2] on NEMO_WORKLOAD w-1',
    ]);
  });

  it('ignores targets it cannot type (they are reported as unknown elsewhere)', () => {
    expect(
      against(
        [{ name: 'latency', condition: 'IS_LESS_THAN', range: 1 }],
        [{ name: 'latency', condition: 'IS_GREATER_THAN', range: 5 }],
      ),
    ).toEqual([]);
    expect(
      against(
        [{ condition: 'IS_LESS_THAN', range: 'x' }],
        [{ condition: 'IS_GREATER_THAN', range: 50 }],
      ),
    ).toEqual([]);
  });
});

describe('a target no finite value meets', () => {
  it.each<T>([
    { condition: 'IS_GREATER_THAN', range: Number.MAX_VALUE },
    { condition: 'IS_LESS_THAN', range: -Number.MAX_VALUE },
    { condition: 'IS_OUTSIDE_RANGE', range: [-Number.MAX_VALUE, Number.MAX_VALUE] },
  ])('is named on its own: $condition $range', (target) => {
    const [reason] = against([target], []);
    expect(reason).toMatch(
      /^cpuUsage IS_\w+ .* cannot hold for any finite value on NEMO_WORKLOAD w-1$/,
    );
  });
});

describe('contradiction detection (properties)', () => {
  const reported = (a: NumericCondition, b: NumericCondition): boolean =>
    against(
      [{ condition: a.condition, range: a.range }],
      [{ condition: b.condition, range: b.range }],
    ).length > 0;

  it('reports a pair exactly when no value meets both conditions', () => {
    fc.assert(
      fc.property(
        numericCondition,
        numericCondition,
        fc.array(anyNumber, { maxLength: 4 }),
        (a, b, extra) => {
          const meetsBoth = (x: number) =>
            satisfies(a.condition, a.range, x) && satisfies(b.condition, b.range, x);
          const sampled = [...probesOf(a, b), ...extra, -Number.MAX_VALUE, Number.MAX_VALUE];
          if (reported(a, b)) {
            // sound: no boundary value (where answers change) nor any other sample meets both
            expect(sampled.filter(meetsBoth)).toEqual([]);
          } else {
            // complete: some value meets both; the bounds, their neighbours and the extremes include one
            expect(sampled.some(meetsBoth)).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('is symmetric', () => {
    fc.assert(
      fc.property(numericCondition, numericCondition, (a, b) =>
        expect(reported(a, b)).toBe(reported(b, a)),
      ),
      {
        numRuns: 1000,
      },
    );
  });

  it('never reports a satisfiable condition against itself or against any value at all', () => {
    fc.assert(
      fc.property(numericCondition, (a) => {
        const candidates = [...probesOf(a), -Number.MAX_VALUE, 0, Number.MAX_VALUE];
        fc.pre(candidates.some((x) => satisfies(a.condition, a.range, x)));
        expect(reported(a, a)).toBe(false);
        expect(
          reported(a, {
            condition: 'IS_WITHIN_RANGE',
            range: [-Number.MAX_VALUE, Number.MAX_VALUE],
          }),
        ).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
