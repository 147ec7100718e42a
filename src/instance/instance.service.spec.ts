import { RUN_MESSAGE, SEED_RUN_MESSAGE } from '../contract';
import { CreateIntentDto } from '../intent/dto/create-intent.dto';
import { WorkloadInstance } from './entities/workload-instance.entity';
import { bindIntentsToInstance, toRunEvent } from './instance.service';

const INSTANCE_ID = '936623ae-8969-4d73-8c04-527d1cb815ac';

const body = (): CreateIntentDto => ({
  user_label: 'DeliverComputingWorkload',
  intent_expectations: [
    {
      expectation_verb: 'ENSURE',
      expectation_object: {
        object_type: 'OTHER',
        object_instance: 'elsewhere',
        context_selectivity: null,
      },
      expectation_targets: [
        { target_name: 'cpuUsage', target_condition: 'IS_LESS_THAN', target_value_range: 20 },
      ],
    },
    {
      expectation_verb: 'DELIVER',
      expectation_object: { object_type: 'NEMO_WORKLOAD' },
      expectation_targets: [
        { target_name: 'clusterType', target_condition: 'IS_EQUAL_TO', target_value_range: 'FL' },
      ],
    },
  ],
});

describe('bindIntentsToInstance', () => {
  it('points every expectation object at the new instance and keeps the rest', () => {
    const [bound] = bindIntentsToInstance([body()], INSTANCE_ID);
    expect(bound.intent_expectations.map((expectation) => expectation.expectation_object)).toEqual([
      { object_type: 'NEMO_WORKLOAD', object_instance: INSTANCE_ID, context_selectivity: null },
      { object_type: 'NEMO_WORKLOAD', object_instance: INSTANCE_ID },
    ]);
    expect(bound.intent_expectations[0].expectation_targets).toEqual(
      body().intent_expectations[0].expectation_targets,
    );
    expect(bound.user_label).toBe('DeliverComputingWorkload');
  });

  it('does not change the request body', () => {
    const original = body();
    bindIntentsToInstance([original], INSTANCE_ID);
    expect(original).toEqual(body());
  });
});

describe('toRunEvent', () => {
  it('has the fields of the seed run event in its order, then revision', () => {
    const instance = Object.assign(new WorkloadInstance(), {
      id: 6,
      instanceId: INSTANCE_ID,
      workloadDocumentId: 9,
      releaseName: 'dasddadasdaasdda',
      status: 'deployed',
      clusterName: null,
      manifests: [],
      revision: 1,
      tenant: 'tenant-a',
    });
    const event = toRunEvent(instance, RUN_MESSAGE.intents);
    expect(Object.keys(event)).toEqual([...Object.keys(SEED_RUN_MESSAGE), 'revision']);
    expect(event).toEqual(RUN_MESSAGE);
  });
});
