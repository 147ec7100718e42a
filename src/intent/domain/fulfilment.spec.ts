import fc from 'fast-check';
import { anyNumber } from '../../../test/factories/intent-arbitraries';
import { satisfies } from './conditions';
import {
  acknowledged,
  combineFulfilment,
  computeFulfilment,
  ObservedTarget,
  targetFulfilment,
} from './fulfilment';

const cpu = (id: number, value: number | string | null): ObservedTarget => ({
  id,
  target_name: 'cpuUsage',
  target_condition: 'IS_LESS_THAN',
  target_value_range: 20,
  target_achieved_value: value,
});

const FULFILLED = {
  fulfilment_status: 'FULFILLED',
  not_fulfilled_state: null,
  not_fulfilled_reasons: [],
};

describe('target fulfilment', () => {
  it('is ACKNOWLEDGED while nothing is observed', () => {
    expect(targetFulfilment(cpu(1, null))).toEqual(acknowledged());
  });

  it('is FULFILLED when the observed value meets the condition', () => {
    expect(targetFulfilment(cpu(1, 12.5))).toEqual(FULFILLED);
  });

  it('is DEGRADED with the reason when it does not', () => {
    expect(targetFulfilment(cpu(1, 20))).toEqual({
      fulfilment_status: 'NOT_FULFILLED',
      not_fulfilled_state: 'DEGRADED',
      not_fulfilled_reasons: ['cpuUsage is 20, expected IS_LESS_THAN 20'],
    });
    expect(targetFulfilment(cpu(1, '12')).not_fulfilled_reasons).toEqual([
      'cpuUsage is "12", expected IS_LESS_THAN 20',
    ]);
  });
});

describe('combining fulfilment', () => {
  it('needs every child FULFILLED', () => {
    expect(combineFulfilment([{ label: 'a', info: targetFulfilment(cpu(1, 1)) }])).toEqual(
      FULFILLED,
    );
    expect(combineFulfilment([])).toEqual(acknowledged());
  });

  it('takes the worst state of the open children and prefixes their reasons', () => {
    expect(
      combineFulfilment([
        { label: 'target 1', info: targetFulfilment(cpu(1, 1)) },
        { label: 'target 2', info: targetFulfilment(cpu(2, null)) },
        { label: 'target 3', info: targetFulfilment(cpu(3, 30)) },
      ]),
    ).toEqual({
      fulfilment_status: 'NOT_FULFILLED',
      not_fulfilled_state: 'DEGRADED',
      not_fulfilled_reasons: ['target 3: cpuUsage is 30, expected IS_LESS_THAN 20'],
    });
    expect(
      combineFulfilment([
        {
          label: 'a',
          info: {
            fulfilment_status: 'NOT_FULFILLED',
            not_fulfilled_state: 'FULFILMENTFAILED',
            not_fulfilled_reasons: [],
          },
        },
        { label: 'b', info: targetFulfilment(cpu(3, 30)) },
      ]).not_fulfilled_state,
    ).toBe('FULFILMENTFAILED');
  });
});

describe('intent fulfilment', () => {
  it('computes target → expectation → intent', () => {
    const outcome = computeFulfilment([
      { id: 24, expectation_id: '1', targets: [cpu(58, 10), cpu(59, 30)] },
      { id: 25, expectation_id: '2', targets: [cpu(60, 5)] },
    ]);
    expect(outcome.expectations[1]).toEqual({
      id: 25,
      info: FULFILLED,
      targets: [{ id: 60, info: FULFILLED }],
    });
    expect(outcome.expectations[0].info.not_fulfilled_reasons).toEqual([
      'target 59 (cpuUsage): cpuUsage is 30, expected IS_LESS_THAN 20',
    ]);
    expect(outcome.info).toEqual({
      fulfilment_status: 'NOT_FULFILLED',
      not_fulfilled_state: 'DEGRADED',
      not_fulfilled_reasons: [
        'expectation "1": target 59 (cpuUsage): cpuUsage is 30, expected IS_LESS_THAN 20',
      ],
    });
  });

  it('starts where a new intent starts when nothing is observed', () => {
    const outcome = computeFulfilment([{ id: 1, expectation_id: '1', targets: [cpu(2, null)] }]);
    expect(outcome.info).toEqual(acknowledged());
    expect(outcome.expectations[0].info).toEqual(acknowledged());
  });

  it('is FULFILLED exactly when every observed value meets its condition (property)', () => {
    const value = fc.oneof(anyNumber, fc.constant(null));
    const expectations = fc.array(fc.array(value, { minLength: 1, maxLength: 4 }), {
      minLength: 1,
      maxLength: 3,
    });
    fc.assert(
      fc.property(expectations, (values) => {
        let id = 0;
        const observed = values.map((targets, i) => ({
          id: i + 1000,
          expectation_id: String(i + 1),
          targets: targets.map((v) => cpu(++id, v)),
        }));
        const all = observed.flatMap((e) => e.targets);
        const met = all.every(
          (t) =>
            t.target_achieved_value !== null &&
            satisfies('IS_LESS_THAN', 20, t.target_achieved_value),
        );
        const outcome = computeFulfilment(observed);
        expect(outcome.info.fulfilment_status === 'FULFILLED').toBe(met);
        const degraded = all.some(
          (t) =>
            t.target_achieved_value !== null &&
            !satisfies('IS_LESS_THAN', 20, t.target_achieved_value),
        );
        if (!met)
          expect(outcome.info.not_fulfilled_state).toBe(degraded ? 'DEGRADED' : 'ACKNOWLEDGED');
      }),
    );
  });
});
