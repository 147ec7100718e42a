import { SEED_INTENT_NOTIFY_TEXT, SEED_RUN_INTENT } from '../../../test/factories/intent.factory';
import { withAddedIntentFields } from '../../contract';
import {
  ExpectationFulfilmentResult,
  ExpectationObject,
  ExpectationTarget,
  Intent,
  IntentContext,
  IntentExpectation,
  IntentFeasibilityCheckReport,
  IntentFulfilmentReport,
  IntentReport,
  TargetFulfilmentResult,
} from '../entities';
import type { IntentRows } from '../entities/intent-rows';
import { toIntentDefinition, toIntentObject, toIntentReport } from './intent-object.mapper';

const row = <T extends object>(type: new () => T, fields: Partial<T>): T =>
  Object.assign(new type(), fields);
const ACK = {
  fulfilmentStatus: 'NOT_FULFILLED',
  notFulfilledState: 'ACKNOWLEDGED',
  notFulfilledReasons: [],
} as const;

/** The rows the seed's intent-notify example was serialized from (its ids, its timestamp). */
function seedRows(): IntentRows {
  return {
    intent: row(Intent, {
      id: 28,
      userLabel: 'FederatedLearning',
      intentPreemptionCapability: false,
      observationPeriod: 60,
      adminState: 'ACTIVATED',
    }),
    expectations: [
      row(IntentExpectation, {
        id: 24,
        intentId: 28,
        position: 0,
        expectationId: '1',
        expectationVerb: 'DELIVER',
      }),
    ],
    objects: [
      row(ExpectationObject, {
        id: 25,
        intentExpectationId: 24,
        objectType: 'NEMO_WORKLOAD',
        objectInstance: 'e4708935-c65b-4159-9c81-8e33524ca1e7',
        contextSelectivity: null,
      }),
    ],
    targets: [
      row(ExpectationTarget, {
        id: 58,
        intentExpectationId: 24,
        position: 0,
        targetName: 'clusterType',
        targetCondition: 'IS_EQUAL_TO',
        targetValueRange: 'FederatedLearning',
      }),
    ],
    contexts: [],
    report: row(IntentReport, { id: 16, intentId: 28, lastUpdatedMicros: '1720534656590890' }),
    fulfilmentReport: row(IntentFulfilmentReport, {
      id: 16,
      info: { ...ACK, notFulfilledState: 'COMPLIANT', notFulfilledReasons: [] },
    }),
    feasibility: row(IntentFeasibilityCheckReport, {
      id: 14,
      feasibilityCheckType: 'FEASIBLE',
      infeasibilityReason: null,
    }),
    expectationResults: [
      row(ExpectationFulfilmentResult, {
        id: 1,
        intentExpectationId: 24,
        info: { ...ACK, notFulfilledReasons: [] },
      }),
    ],
    targetResults: [
      row(TargetFulfilmentResult, {
        id: 1,
        expectationTargetId: 58,
        targetAchievedValue: null,
        info: { ...ACK, notFulfilledReasons: [] },
      }),
    ],
    conflicts: [],
  };
}

describe('intent object serialization', () => {
  it('produces the seed intent-notify example byte for byte (keys, order, nesting, microseconds), then the added fields', () => {
    expect(JSON.stringify(toIntentObject(seedRows()))).toBe(
      JSON.stringify(withAddedIntentFields(JSON.parse(SEED_INTENT_NOTIFY_TEXT))),
    );
    const { intent_admin_state: _state, ...seedFields } = toIntentObject(seedRows());
    const { intent_conflict_reports: _conflicts, ...seedReport } =
      seedFields.intent_report_reference;
    expect(JSON.stringify({ ...seedFields, intent_report_reference: seedReport })).toBe(
      JSON.stringify(JSON.parse(SEED_INTENT_NOTIFY_TEXT)),
    );
  });

  it('produces the seed run example’s intent (no feasibility report, no results yet)', () => {
    const rows: IntentRows = {
      ...seedRows(),
      intent: row(Intent, {
        id: 34,
        userLabel: 'DeliverComputingWorkload',
        intentPreemptionCapability: false,
        observationPeriod: 60,
        adminState: 'ACTIVATED',
      }),
      expectations: [
        row(IntentExpectation, { id: 30, expectationId: '1', expectationVerb: 'ENSURE' }),
      ],
      objects: [
        row(ExpectationObject, {
          id: 31,
          intentExpectationId: 30,
          objectType: 'NEMO_WORKLOAD',
          objectInstance: '936623ae-8969-4d73-8c04-527d1cb815ac',
          contextSelectivity: null,
        }),
      ],
      targets: [
        row(ExpectationTarget, {
          id: 64,
          intentExpectationId: 30,
          targetName: 'cpuUsage',
          targetCondition: 'IS_LESS_THAN',
          targetValueRange: 20,
        }),
      ],
      report: row(IntentReport, { id: 22, lastUpdatedMicros: '1729507415982522' }),
      fulfilmentReport: row(IntentFulfilmentReport, {
        id: 22,
        info: { ...ACK, notFulfilledReasons: [] },
      }),
      feasibility: null,
      expectationResults: [],
      targetResults: [],
      conflicts: [],
    };
    expect(JSON.stringify(toIntentObject(rows))).toBe(JSON.stringify(SEED_RUN_INTENT));
  });

  it('reads the definition the feasibility check compares as the full object has it, without id and reports', () => {
    const { id: _id, intent_report_reference: _report, ...definition } = toIntentObject(seedRows());
    expect(toIntentDefinition(seedRows())).toEqual(definition);
  });

  it('puts each context at its level, with its id, in stored order', () => {
    const context = (id: number, owner: Partial<IntentContext>): IntentContext =>
      row(IntentContext, {
        id,
        intentExpectationId: null,
        expectationObjectId: null,
        expectationTargetId: null,
        contextAttribute: `a${id}`,
        contextCondition: 'IS_ONE_OF',
        contextValueRange: ['x', 2],
        ...owner,
      });
    const rows = {
      ...seedRows(),
      contexts: [
        context(1, {}),
        context(2, { intentExpectationId: 24 }),
        context(3, { expectationObjectId: 25 }),
        context(4, { expectationTargetId: 58 }),
        context(5, {}),
      ],
    };
    const intent = toIntentObject(rows);
    const ids = (list: Array<{ id?: number }>) => list.map((c) => c.id);
    expect(ids(intent.intent_contexts)).toEqual([1, 5]);
    expect(ids(intent.intent_expectations[0].expectation_contexts)).toEqual([2]);
    expect(ids(intent.intent_expectations[0].expectation_object.object_contexts)).toEqual([3]);
    expect(intent.intent_expectations[0].expectation_targets[0].target_contexts).toEqual([
      {
        id: 4,
        context_attribute: 'a4',
        context_condition: 'IS_ONE_OF',
        context_value_range: ['x', 2],
      },
    ]);
  });

  it('serializes the report alone the same way', () => {
    expect(toIntentReport(seedRows())).toEqual({
      ...JSON.parse(SEED_INTENT_NOTIFY_TEXT).intent_report_reference,
      intent_conflict_reports: [],
    });
  });
});
