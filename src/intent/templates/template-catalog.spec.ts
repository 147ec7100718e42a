import { plainToInstance } from 'class-transformer';
import { DomainError } from '../../common/errors/domain-error';
import { SEED_INTENT_NOTIFY } from '../../../test/factories/intent.factory';
import { CreateIntentFromTemplateDto } from '../dto/create-from-template.dto';
import catalogDocument from './intent-templates.v1.json';
import { buildFromTemplate } from './build-from-template';
import { findTargetSpec, parseCatalog } from './template-catalog';

const catalog = parseCatalog(catalogDocument);
const template = (label: string) => catalog.templates.find((t) => t.user_label === label)!;
const params = (p: object) => plainToInstance(CreateIntentFromTemplateDto, p);

describe('intent template catalog v1', () => {
  it('knows DeliverComputingWorkload and FederatedLearning with typed targets', () => {
    expect(catalog.version).toBe(1);
    expect(catalog.templates.map((t) => t.user_label)).toEqual([
      'DeliverComputingWorkload',
      'FederatedLearning',
    ]);
    expect(template('DeliverComputingWorkload').targets.map((t) => t.target_name)).toEqual([
      'cpuUsage',
      'ramUsage',
      'energyEfficiency',
    ]);
    expect(findTargetSpec(catalog, 'NEMO_WORKLOAD', 'cpuUsage')).toMatchObject({
      value_type: 'number',
      unit: '%',
    });
    expect(findTargetSpec(catalog, 'NEMO_WORKLOAD', 'clusterType')).toMatchObject({
      value_type: 'string',
    });
  });

  it('refuses a broken catalog, naming every problem', () => {
    const broken = {
      version: 1,
      object_types: [
        {
          object_type: 'X',
          description: 'x',
          targets: [
            {
              target_name: 't',
              description: 'd',
              value_type: 'string',
              unit: null,
              allowed_conditions: ['IS_LESS_THAN'],
            },
          ],
        },
      ],
      templates: [
        {
          user_label: 'T',
          description: 'd',
          expectation_verb: 'ENSURE',
          object_type: 'X',
          observation_period: 60,
          intent_preemption_capability: 'FALSE',
          targets: [{ target_name: 'u', default_condition: 'IS_EQUAL_TO' }],
        },
        {
          user_label: 'T',
          description: 'd',
          expectation_verb: 'MAYBE',
          object_type: 'Y',
          observation_period: 60,
          intent_preemption_capability: 'FALSE',
          targets: [],
        },
      ],
    };
    expect(() => parseCatalog(broken)).toThrow(
      [
        'Invalid intent template catalog:',
        '  templates[1].expectation_verb must be one of DELIVER, ENSURE',
        '  X.t: IS_LESS_THAN does not apply to string values',
        '  duplicate template T',
        '  templates[0].targets[0]: X has no target u',
        '  templates[1]: unknown object type Y',
      ].join('\n'),
    );
  });
});

describe('building an intent from a template', () => {
  it('builds the seed FederatedLearning intent from an object instance alone', () => {
    const draft = buildFromTemplate(
      template('FederatedLearning'),
      params({ object_instance: 'e4708935-c65b-4159-9c81-8e33524ca1e7' }),
    );
    const { id: _id, intent_report_reference: _report, ...seed } = SEED_INTENT_NOTIFY;
    const stripIds = (value: unknown): unknown =>
      JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'id' ? undefined : v)));
    expect(draft).toEqual(stripIds(seed));
  });

  it('uses the requested targets with the template’s default conditions', () => {
    const draft = buildFromTemplate(
      template('DeliverComputingWorkload'),
      params({
        object_instance: 'w',
        targets: [
          { target_name: 'cpuUsage', target_value_range: 20 },
          {
            target_name: 'ramUsage',
            target_condition: 'IS_WITHIN_RANGE',
            target_value_range: [10, 60],
          },
        ],
      }),
    );
    expect(draft.intent_expectations[0].expectation_verb).toBe('ENSURE');
    expect(draft.intent_expectations[0].expectation_targets).toEqual([
      {
        target_name: 'cpuUsage',
        target_condition: 'IS_LESS_THAN',
        target_value_range: 20,
        target_contexts: [],
      },
      {
        target_name: 'ramUsage',
        target_condition: 'IS_WITHIN_RANGE',
        target_value_range: [10, 60],
        target_contexts: [],
      },
    ]);
  });

  it('falls back to the targets that have default values', () => {
    const draft = buildFromTemplate(
      template('DeliverComputingWorkload'),
      params({ object_instance: 'w', observation_period: 30 }),
    );
    expect(draft.observation_period).toBe(30);
    expect(draft.intent_expectations[0].expectation_targets.map((t) => t.target_name)).toEqual([
      'cpuUsage',
    ]);
  });

  it('refuses a target the template does not have, or one without a value', () => {
    const unknown = () =>
      buildFromTemplate(
        template('FederatedLearning'),
        params({ object_instance: 'w', targets: [{ target_name: 'cpuUsage' }] }),
      );
    expect(unknown).toThrow(DomainError);
    expect(unknown).toThrow(
      'Template FederatedLearning has no target cpuUsage (targets: clusterType)',
    );
    const valueless = () =>
      buildFromTemplate(
        template('DeliverComputingWorkload'),
        params({ object_instance: 'w', targets: [{ target_name: 'ramUsage' }] }),
      );
    expect(valueless).toThrow(
      'Target ramUsage of template DeliverComputingWorkload has no default value: give target_value_range',
    );
  });
});
