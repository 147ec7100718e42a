import fc from 'fast-check';
import { type Condition, CONDITIONS, type ValueRange } from '../../contract';
import { conditionMismatch, conditionsFor, conditionSet, satisfies } from './conditions';
import { anyNumber, numericCondition, probesOf } from '../../../test/factories/intent-arbitraries';
import { contains, nextDown, nextUp } from './value-set';

const up = nextUp;
const down = nextDown;

describe('condition semantics on numbers (boundaries included)', () => {
  const cases: Array<[Condition, ValueRange, Array<[number, boolean]>]> = [
    [
      'IS_EQUAL_TO',
      20,
      [
        [20, true],
        [down(20), false],
        [up(20), false],
      ],
    ],
    [
      'IS_LESS_THAN',
      20,
      [
        [down(20), true],
        [20, false],
        [-1e300, true],
      ],
    ],
    [
      'IS_EQUAL_TO_OR_LESS_THAN',
      20,
      [
        [20, true],
        [up(20), false],
        [down(20), true],
      ],
    ],
    [
      'IS_GREATER_THAN',
      50,
      [
        [up(50), true],
        [50, false],
        [1e300, true],
      ],
    ],
    [
      'IS_EQUAL_TO_OR_GREATER_THAN',
      50,
      [
        [50, true],
        [down(50), false],
      ],
    ],
    [
      'IS_WITHIN_RANGE',
      [10, 20],
      [
        [10, true],
        [20, true],
        [15, true],
        [down(10), false],
        [up(20), false],
      ],
    ],
    [
      'IS_WITHIN_RANGE',
      [5, 5],
      [
        [5, true],
        [up(5), false],
      ],
    ],
    [
      'IS_OUTSIDE_RANGE',
      [10, 20],
      [
        [10, false],
        [20, false],
        [15, false],
        [down(10), true],
        [up(20), true],
      ],
    ],
    [
      'IS_ONE_OF',
      [1, 2.5],
      [
        [1, true],
        [2.5, true],
        [2, false],
      ],
    ],
    [
      'IS_NOT_ONE_OF',
      [1, 2.5],
      [
        [1, false],
        [2.5, false],
        [2, true],
        [up(1), true],
      ],
    ],
    [
      'IS_EQUAL_TO',
      0,
      [
        [-0, true],
        [0, true],
        [Number.MIN_VALUE, false],
      ],
    ],
  ];
  it.each(cases)('%s %j', (condition, range, probes) => {
    expect(conditionMismatch('number', condition, range)).toBeNull();
    const set = conditionSet('number', condition, range);
    for (const [value, expected] of probes) {
      expect([value, satisfies(condition, range, value)]).toEqual([value, expected]);
      expect([value, contains(set, value)]).toEqual([value, expected]);
    }
  });

  it('never meets a numeric condition with a string value', () => {
    for (const condition of conditionsFor('number')) {
      const range = condition.includes('RANGE') || condition.includes('ONE_OF') ? [1, 2] : 1;
      expect(satisfies(condition, range, '1')).toBe(false);
    }
  });
});

describe('condition semantics on strings', () => {
  const cases: Array<[Condition, ValueRange, Array<[string | number, boolean]>]> = [
    [
      'IS_EQUAL_TO',
      'FederatedLearning',
      [
        ['FederatedLearning', true],
        ['federatedlearning', false],
        ['', false],
      ],
    ],
    [
      'IS_ONE_OF',
      ['edge', 'cloud'],
      [
        ['edge', true],
        ['cloud', true],
        ['fog', false],
        [1, false],
      ],
    ],
    [
      'IS_NOT_ONE_OF',
      ['edge', 'cloud'],
      [
        ['edge', false],
        ['fog', true],
        ['', true],
        [1, false],
      ],
    ],
  ];
  it.each(cases)('%s %j', (condition, range, probes) => {
    expect(conditionMismatch('string', condition, range)).toBeNull();
    for (const [value, expected] of probes) {
      expect([value, satisfies(condition, range, value)]).toEqual([value, expected]);
    }
  });

  it('has no ordering or range conditions', () => {
    expect(conditionsFor('string')).toEqual(['IS_EQUAL_TO', 'IS_ONE_OF', 'IS_NOT_ONE_OF']);
    expect(conditionsFor('number')).toHaveLength(CONDITIONS.length);
  });
});

describe('conditionMismatch', () => {
  it.each([
    ['string', 'IS_LESS_THAN', 'x', 'condition IS_LESS_THAN does not apply to string values'],
    [
      'string',
      'IS_WITHIN_RANGE',
      ['a', 'b'],
      'condition IS_WITHIN_RANGE does not apply to string values',
    ],
    [
      'number',
      'IS_WITHIN_RANGE',
      [20, 10],
      'IS_WITHIN_RANGE needs ordered bounds (lower <= upper), got [20,10]',
    ],
    [
      'number',
      'IS_WITHIN_RANGE',
      [10],
      'IS_WITHIN_RANGE needs two numeric bounds [lower, upper], got [10]',
    ],
    [
      'number',
      'IS_OUTSIDE_RANGE',
      [1, 2, 3],
      'IS_OUTSIDE_RANGE needs two numeric bounds [lower, upper], got [1,2,3]',
    ],
    [
      'number',
      'IS_WITHIN_RANGE',
      10,
      'IS_WITHIN_RANGE needs two numeric bounds [lower, upper], got 10',
    ],
    [
      'number',
      'IS_WITHIN_RANGE',
      ['1', '2'],
      'IS_WITHIN_RANGE needs two numeric bounds [lower, upper], got ["1","2"]',
    ],
    ['number', 'IS_LESS_THAN', '20', 'IS_LESS_THAN needs a single number value, got "20"'],
    ['number', 'IS_LESS_THAN', [20], 'IS_LESS_THAN needs a single number value, got [20]'],
    ['string', 'IS_EQUAL_TO', 7, 'IS_EQUAL_TO needs a single string value, got 7'],
    ['number', 'IS_ONE_OF', [], 'IS_ONE_OF needs a non-empty list of number values, got []'],
    ['number', 'IS_ONE_OF', 3, 'IS_ONE_OF needs a non-empty list of number values, got 3'],
    ['string', 'IS_NOT_ONE_OF', ['a', 1], 'IS_NOT_ONE_OF needs string values, got ["a",1]'],
  ] as const)('%s %s %j', (type, condition, range, reason) => {
    expect(conditionMismatch(type, condition, range as ValueRange)).toBe(reason);
  });
});

describe('condition sets agree with direct evaluation (property)', () => {
  it('for numbers, at the boundaries and anywhere else', () => {
    fc.assert(
      fc.property(numericCondition, fc.array(anyNumber, { maxLength: 5 }), (c, extra) => {
        expect(conditionMismatch('number', c.condition, c.range)).toBeNull();
        const set = conditionSet('number', c.condition, c.range);
        for (const x of [...probesOf(c), ...extra]) {
          expect([x, contains(set, x)]).toEqual([x, satisfies(c.condition, c.range, x)]);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('for strings', () => {
    const word = fc.constantFrom('', 'a', 'b', 'edge', 'cloud', 'FederatedLearning');
    const condition = fc.oneof(
      fc.record({
        condition: fc.constant<Condition>('IS_EQUAL_TO'),
        range: word as fc.Arbitrary<ValueRange>,
      }),
      fc.record({
        condition: fc.constantFrom<Condition>('IS_ONE_OF', 'IS_NOT_ONE_OF'),
        range: fc.array(word, { minLength: 1, maxLength: 3 }) as fc.Arbitrary<ValueRange>,
      }),
    );
    fc.assert(
      fc.property(condition, word, (c, x) => {
        expect(conditionMismatch('string', c.condition, c.range)).toBeNull();
        expect(contains(conditionSet('string', c.condition, c.range), x)).toBe(
          satisfies(c.condition, c.range, x),
        );
      }),
    );
  });
});
