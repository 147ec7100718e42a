import { ValidationPipe } from '@nestjs/common';
import { validationFailed } from '../../common/errors/validation';
import { DomainError } from '../../common/errors/domain-error';
import { federatedLearningBody, intentBody } from '../../../test/factories/intent.factory';
import { CreateIntentDto } from './create-intent.dto';
import { toIntentDraft } from './intent-draft.mapper';
import { ReportFulfilmentDto } from './report-fulfilment.dto';

const pipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  exceptionFactory: validationFailed,
});

async function fieldErrors(
  body: unknown,
  metatype: new () => object = CreateIntentDto,
): Promise<string[]> {
  try {
    await pipe.transform(body, { type: 'body', metatype });
    return [];
  } catch (error) {
    return ((error as DomainError).errors ?? []).map((e) => e.field);
  }
}

const withTarget = (target: Record<string, unknown>) =>
  intentBody({
    targets: [
      {
        target_name: 'cpuUsage',
        target_condition: 'IS_LESS_THAN',
        target_value_range: 20,
        ...target,
      } as never,
    ],
  });

describe('CreateIntentDto validation (400, not INFEASIBLE)', () => {
  it('accepts the seed intents and applies defaults', async () => {
    expect(
      await fieldErrors(federatedLearningBody('e4708935-c65b-4159-9c81-8e33524ca1e7')),
    ).toEqual([]);
    const dto = (await pipe.transform(
      {
        user_label: 'x',
        intent_expectations: [
          {
            expectation_verb: 'ENSURE',
            expectation_object: { object_type: 'NEMO_WORKLOAD', object_instance: 'w' },
            expectation_targets: [
              { target_name: 'cpuUsage', target_condition: 'IS_LESS_THAN', target_value_range: 20 },
            ],
          },
        ],
      },
      { type: 'body', metatype: CreateIntentDto },
    )) as CreateIntentDto;
    expect(toIntentDraft(dto)).toMatchObject({
      intent_preemption_capability: 'FALSE',
      observation_period: 60,
      intent_contexts: [],
      intent_expectations: [
        {
          expectation_id: '1',
          expectation_object: { context_selectivity: null, object_contexts: [] },
          expectation_contexts: [],
        },
      ],
    });
  });

  it('accepts a number, a string or a list as target_value_range', async () => {
    for (const value of [20, 'x', [10, 20], ['a', 1]])
      expect(await fieldErrors(withTarget({ target_value_range: value }))).toEqual([]);
  });

  it.each([
    [
      'an object value range',
      { target_value_range: { lo: 1 } },
      'intent_expectations[0].expectation_targets[0].target_value_range',
    ],
    [
      'a nested list',
      { target_value_range: [[1, 2]] },
      'intent_expectations[0].expectation_targets[0].target_value_range',
    ],
    [
      'a missing value range',
      { target_value_range: undefined },
      'intent_expectations[0].expectation_targets[0].target_value_range',
    ],
    [
      'an unknown condition',
      { target_condition: 'IS_ABOUT' },
      'intent_expectations[0].expectation_targets[0].target_condition',
    ],
    ['an unknown field', { colour: 'red' }, 'intent_expectations[0].expectation_targets[0].colour'],
    [
      'a bad context',
      {
        target_contexts: [
          { context_attribute: 'a', context_condition: 'NOPE', context_value_range: 1 },
        ],
      },
      'intent_expectations[0].expectation_targets[0].target_contexts[0].context_condition',
    ],
  ])('refuses %s', async (_, target, field) => {
    expect(await fieldErrors(withTarget(target))).toContain(field);
  });

  it('refuses a wrong verb, no expectations, too many targets and a too long label', async () => {
    const body = intentBody() as { intent_expectations: Array<Record<string, unknown>> };
    body.intent_expectations[0].expectation_verb = 'WISH';
    expect(await fieldErrors(body)).toEqual(['intent_expectations[0].expectation_verb']);
    expect(await fieldErrors({ ...intentBody(), intent_expectations: [] })).toEqual([
      'intent_expectations',
    ]);
    const many = Array.from({ length: 33 }, () => ({
      target_name: 'cpuUsage',
      target_condition: 'IS_LESS_THAN' as const,
      target_value_range: 20,
    }));
    expect(await fieldErrors(intentBody({ targets: many }))).toEqual([
      'intent_expectations[0].expectation_targets',
    ]);
    expect(await fieldErrors({ ...intentBody(), user_label: 'x'.repeat(129) })).toEqual([
      'user_label',
    ]);
  });

  it('refuses a missing object_instance and duplicate expectation ids when drafting', async () => {
    const body = intentBody() as { intent_expectations: Array<Record<string, unknown>> };
    const [expectation] = body.intent_expectations;
    body.intent_expectations = [
      { ...expectation, expectation_object: { object_type: 'NEMO_WORKLOAD' } },
      { ...expectation, expectation_id: '1' },
    ];
    const dto = (await pipe.transform(body, {
      type: 'body',
      metatype: CreateIntentDto,
    })) as CreateIntentDto;
    let error: DomainError | undefined;
    try {
      toIntentDraft(dto, 'intents[0].intent_expectations');
    } catch (caught) {
      error = caught as DomainError;
    }
    expect(error?.status).toBe(400);
    expect(error?.errors?.map((e) => e.field)).toEqual([
      'intents[0].intent_expectations[0].expectation_object.object_instance',
      'intents[0].intent_expectations[1].expectation_id',
    ]);
  });
});

describe('ReportFulfilmentDto validation', () => {
  it('takes numbers, strings and null as observed values', async () => {
    const results = [12.5, 'x', null].map((v, i) => ({ target: i + 1, target_achieved_value: v }));
    expect(await fieldErrors({ target_fulfilment_results: results }, ReportFulfilmentDto)).toEqual(
      [],
    );
  });

  it('refuses lists, a missing value and a non-integer target', async () => {
    expect(
      await fieldErrors(
        {
          target_fulfilment_results: [
            { target: 1, target_achieved_value: [1] },
            { target: 2 },
            { target: 1.5, target_achieved_value: 1 },
          ],
        },
        ReportFulfilmentDto,
      ),
    ).toEqual([
      'target_fulfilment_results[0].target_achieved_value',
      'target_fulfilment_results[1].target_achieved_value',
      'target_fulfilment_results[2].target',
    ]);
  });
});
