import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { Principal } from '../../../src/auth/principal';
import type { IntentObject } from '../../../src/contract';
import { CreateIntentDto } from '../../../src/intent/dto/create-intent.dto';
import { IntentService } from '../../../src/intent/intent.service';
import { EventSubscriber } from '../../support/amqp';
import { resetDatabase, startApi } from '../../support/app';
import { authHeader } from '../../support/auth';
import { eventSchemaErrors } from '../../support/event-schema';
import {
  deliverComputingWorkloadBody,
  federatedLearningBody,
  intentBody,
  SEED_INTENT_NOTIFY,
  shapeOf,
} from '../../factories/intent.factory';

const W1 = 'e4708935-c65b-4159-9c81-8e33524ca1e7';
const W2 = '936623ae-8969-4d73-8c04-527d1cb815ac';
const OWNED = new Set([W1, W2]);
const PRINCIPAL: Principal = {
  subject: 'instances',
  tenant: 'tenant-a',
  roles: new Set(['writer']),
};
const UNKNOWN_TARGET = intentBody({
  object_instance: W2,
  targets: [{ target_name: 'latency', target_condition: 'IS_LESS_THAN', target_value_range: 5 }],
});

/** `intent-notify` as a subscriber sees it: the api role's outbox relay publishes to the test vhost. */
describe('intent-notify on RabbitMQ', () => {
  let app: NestExpressApplication;
  let http: ReturnType<typeof request>;
  let subscriber: EventSubscriber;
  let writer: string;

  beforeAll(async () => {
    app = await startApi();
    await resetDatabase(app);
    http = request(app.getHttpServer());
    app
      .get(IntentService)
      .registerObjectResolver(
        'NEMO_WORKLOAD',
        async (_m, principal, instance) => principal.tenant === 'tenant-a' && OWNED.has(instance),
      );
    writer = await authHeader();
    subscriber = await EventSubscriber.open();
    await subscriber.purge('intent-notify');
  });

  afterAll(async () => {
    await subscriber.close();
    await app.close();
  });

  const create = async (body: object): Promise<IntentObject> =>
    (await http.post('/api/v1/intents').set('Authorization', writer).send(body).expect(201))
      .body as IntentObject;

  /** Creates a FEASIBLE marker intent and checks it is the only message waiting: nothing else was sent. */
  async function expectNothingElse(): Promise<void> {
    const marker = await create(
      deliverComputingWorkloadBody(W1, [
        { target_name: 'ramUsage', target_condition: 'IS_LESS_THAN', target_value_range: 99 },
      ]),
    );
    const [event] = await subscriber.take('intent-notify', 1);
    expect(event.body.id).toBe(marker.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await subscriber.depth('intent-notify')).toBe(0);
    await http.delete(`/api/v1/intents/${marker.id}`).set('Authorization', writer).expect(204);
  }

  it('publishes a FEASIBLE intent with exactly the seed example’s keys, nesting and types', async () => {
    const intent = await create(federatedLearningBody(W1));
    const [event] = await subscriber.take('intent-notify', 1);

    expect(event.message.fields.exchange).toBe('nemo.api.workload');
    expect(event.message.fields.routingKey).toBe('intent-notify');
    expect(event.message.properties).toMatchObject({
      contentType: 'application/json',
      deliveryMode: 2,
      messageId: expect.any(String),
      timestamp: expect.any(Number),
    });
    expect(event.body).toEqual(intent);
    expect(eventSchemaErrors('intent-notify', event.body)).toEqual([]);

    // field by field against the seed example: same keys in the same order, same nesting, same JSON types
    const body = event.body;
    const seed = SEED_INTENT_NOTIFY;
    expect(Object.keys(body)).toEqual(Object.keys(seed));
    const [expectation] = body.intent_expectations;
    const [seedExpectation] = seed.intent_expectations;
    expect(Object.keys(expectation)).toEqual(Object.keys(seedExpectation));
    expect(shapeOf(expectation.expectation_object)).toEqual(
      shapeOf(seedExpectation.expectation_object),
    );
    expect(shapeOf(expectation.expectation_targets)).toEqual(
      shapeOf(seedExpectation.expectation_targets),
    );
    const report = body.intent_report_reference;
    expect(Object.keys(report)).toEqual(Object.keys(seed.intent_report_reference));
    expect(shapeOf(report.intent_fulfilment_report)).toEqual(
      shapeOf(seed.intent_report_reference.intent_fulfilment_report),
    );
    expect(shapeOf(report.intent_feasibility_check_report)).toEqual(
      shapeOf(seed.intent_report_reference.intent_feasibility_check_report),
    );
    expect(report.last_updated_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(shapeOf(body)).toEqual(shapeOf(seed));

    // the values that are fixed by the request and the model
    expect(body).toMatchObject({
      user_label: 'FederatedLearning',
      intent_preemption_capability: 'FALSE',
      observation_period: 60,
      intent_contexts: [],
    });
    expect(expectation).toMatchObject({
      expectation_id: '1',
      expectation_verb: 'DELIVER',
      expectation_object: {
        object_type: 'NEMO_WORKLOAD',
        object_instance: W1,
        context_selectivity: null,
        object_contexts: [],
      },
      expectation_targets: [
        {
          target_name: 'clusterType',
          target_condition: 'IS_EQUAL_TO',
          target_value_range: 'FederatedLearning',
          target_contexts: [],
        },
      ],
    });
    const [result] = report.intent_fulfilment_report.expectation_fulfilment_results;
    expect(result.expectation_id).toBe(expectation.id);
    expect(result.target_fulfilment_results[0].target).toBe(expectation.expectation_targets[0].id);
    expect(report.intent_feasibility_check_report).toMatchObject({
      feasibility_check_type: 'FEASIBLE',
      infeasibility_reason: null,
    });
  });

  it('publishes again when an intent is updated and still FEASIBLE', async () => {
    const intent = await create(deliverComputingWorkloadBody(W2));
    await subscriber.take('intent-notify', 1);
    const updated = await http
      .patch(`/api/v1/intents/${intent.id}`)
      .set('Authorization', writer)
      .send({ observation_period: 120 })
      .expect(200);
    const [event] = await subscriber.take('intent-notify', 1);
    expect(event.body).toEqual(updated.body);
    expect(event.body.observation_period).toBe(120);
    await http.delete(`/api/v1/intents/${intent.id}`).set('Authorization', writer).expect(204);
  });

  it('sends nothing for an INFEASIBLE intent', async () => {
    const intent = await create(UNKNOWN_TARGET);
    expect(
      intent.intent_report_reference.intent_feasibility_check_report?.feasibility_check_type,
    ).toBe('INFEASIBLE');
    await expectNothingElse();
  });

  it('sends nothing for a rolled-back transaction', async () => {
    const dataSource = app.get(DataSource);
    const intents = app.get(IntentService);
    const body = Object.assign(
      new CreateIntentDto(),
      deliverComputingWorkloadBody(W2),
    ) as CreateIntentDto;
    await expect(
      dataSource.transaction(async (manager) => {
        const [created] = await intents.createWithinTransaction(manager, PRINCIPAL, [body]);
        expect(
          created.intent_report_reference.intent_feasibility_check_report?.feasibility_check_type,
        ).toBe('FEASIBLE');
        throw new Error('the instance could not be stored');
      }),
    ).rejects.toThrow('the instance could not be stored');
    const [{ n }] = await dataSource.query(
      `SELECT count(*)::int AS n FROM intent WHERE owner = 'instances'`,
    );
    expect(n).toBe(0);
    await expectNothingElse();
  });

  it('creates intents within a caller’s transaction and notifies only the FEASIBLE ones on commit', async () => {
    const dataSource = app.get(DataSource);
    const intents = app.get(IntentService);
    const bodies = [federatedLearningBody(W2), UNKNOWN_TARGET].map(
      (b) => Object.assign(new CreateIntentDto(), b) as CreateIntentDto,
    );
    const created = await dataSource.transaction((manager) =>
      intents.createWithinTransaction(manager, PRINCIPAL, bodies),
    );
    expect(
      created.map(
        (i) => i.intent_report_reference.intent_feasibility_check_report?.feasibility_check_type,
      ),
    ).toEqual(['FEASIBLE', 'INFEASIBLE']);
    const [event] = await subscriber.take('intent-notify', 1);
    expect(event.body).toEqual(created[0]);
    expect(await intents.findByObjectInstance(PRINCIPAL, W2)).toEqual(
      expect.arrayContaining(created),
    );
    expect(await intents.findByObjectInstance({ ...PRINCIPAL, tenant: 'tenant-b' }, W2)).toEqual(
      [],
    );
    await expectNothingElse();
  });
});
