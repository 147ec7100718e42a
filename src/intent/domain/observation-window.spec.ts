import fc from 'fast-check';
import {
  judgeObservations,
  judgeWindow,
  NOTHING_OBSERVED,
  observe,
  Observation,
  TargetWindowState,
} from './observation-window';

const S = 1_000_000;
const cpu = {
  target_name: 'cpuUsage',
  target_condition: 'IS_LESS_THAN' as const,
  target_value_range: 20,
};
const T0 = 1_720_534_656_590_890;

const fold = (observations: readonly Observation[]): TargetWindowState =>
  observations.reduce((state, o) => observe(state, cpu, o), NOTHING_OBSERVED);

const judge = (observations: Observation[], now: number, period: number) =>
  judgeWindow(cpu, fold(observations), now, period);

describe('observation window', () => {
  it('is ACKNOWLEDGED without a reason while nothing was ever observed', () => {
    expect(judge([], T0, 60)).toEqual({
      fulfilment_status: 'NOT_FULFILLED',
      not_fulfilled_state: 'ACKNOWLEDGED',
      not_fulfilled_reasons: [],
    });
  });

  it('is FULFILLED when every value of the window meets the condition', () => {
    const values = [5, 12, 19].map((value, i) => ({ value, at: T0 + i * S }));
    expect(judge(values, T0 + 10 * S, 60).fulfilment_status).toBe('FULFILLED');
  });

  it('is DEGRADED while a missing value is in the window, naming the latest one', () => {
    const values = [
      { value: 35, at: T0 },
      { value: 40, at: T0 + S },
      { value: 5, at: T0 + 2 * S },
    ];
    expect(judge(values, T0 + 30 * S, 60)).toEqual({
      fulfilment_status: 'NOT_FULFILLED',
      not_fulfilled_state: 'DEGRADED',
      not_fulfilled_reasons: [
        'cpuUsage was 40 at 2024-07-09T14:17:37.590890Z (within the last 60 s), expected IS_LESS_THAN 20',
      ],
    });
  });

  it('is FULFILLED again once the missing value has left the window', () => {
    const values = [
      { value: 35, at: T0 },
      { value: 5, at: T0 + 50 * S },
    ];
    expect(judge(values, T0 + 59 * S, 60).fulfilment_status).toBe('NOT_FULFILLED');
    expect(judge(values, T0 + 61 * S, 60).fulfilment_status).toBe('FULFILLED');
  });

  it('says the target is not observed when no value is in the window', () => {
    expect(judge([{ value: 5, at: T0 }], T0 + 61 * S, 60)).toEqual({
      fulfilment_status: 'NOT_FULFILLED',
      not_fulfilled_state: 'ACKNOWLEDGED',
      not_fulfilled_reasons: ['cpuUsage: no value observed in the last 60 s'],
    });
  });

  it('judges the latest value alone with an observation period of 0', () => {
    const values = [
      { value: 35, at: T0 },
      { value: 5, at: T0 + S },
    ];
    expect(judge(values, T0 + 1000 * S, 0).fulfilment_status).toBe('FULFILLED');
    expect(judge([...values, { value: 21, at: T0 + 2 * S }], T0 + 1000 * S, 0)).toEqual({
      fulfilment_status: 'NOT_FULFILLED',
      not_fulfilled_state: 'DEGRADED',
      not_fulfilled_reasons: ['cpuUsage was 21, expected IS_LESS_THAN 20'],
    });
  });

  it('forgets everything when a null value clears the target', () => {
    const values = [
      { value: 35, at: T0 },
      { value: null, at: T0 + S },
    ];
    expect(judge(values, T0 + 2 * S, 60).not_fulfilled_state).toBe('ACKNOWLEDGED');
    expect(fold(values)).toEqual(NOTHING_OBSERVED);
  });

  it('keeps two timestamps that judge exactly as the whole list of observations would', () => {
    const observation = fc.record({
      value: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constant(null)),
      gap: fc.integer({ min: 0, max: 30 * S }),
    });
    fc.assert(
      fc.property(
        fc.array(observation, { maxLength: 40 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 200 * S }),
        (steps, period, after) => {
          let at = T0;
          const observations = steps.map((step) => ({
            value: step.value,
            at: (at += step.gap + 1),
          }));
          const now = at + after;
          expect(judgeWindow(cpu, fold(observations), now, period)).toEqual(
            judgeObservations(cpu, observations, now, period),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
