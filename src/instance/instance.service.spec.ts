import { MemoryDatabase, memoryRepository } from '../../test/fakes/database';
import { MemoryOutbox, MemorySubscriptions } from '../../test/fakes/events';
import {
  IntentRecord,
  MemoryClusters,
  MemoryIntents,
  MemoryRevisions,
  MemoryWorkloads,
  ScriptedRenderer,
} from '../../test/fakes/instance';
import { localConfig } from '../../test/support/config';
import type { Principal } from '../auth/principal';
import type { ClusterService } from '../cluster/cluster.service';
import { BadRequestError } from '../common/errors/domain-error';
import type { OutboxService } from '../events/outbox.service';
import { RUN_MESSAGE, SEED_RUN_MESSAGE } from '../contract';
import type { CreateIntentDto } from '../intent/dto/create-intent.dto';
import type { IntentService } from '../intent/intent.service';
import type { SubscriptionService } from '../subscription/subscription.service';
import type { WorkloadService } from '../workload/workload.service';
import type { CreateInstanceDto } from './dto/create-instance.dto';
import type { InstanceResponse } from './dto/instance.response';
import { InstanceRevision } from './entities/instance-revision.entity';
import { WorkloadInstance } from './entities/workload-instance.entity';
import { bindIntentsToInstance, InstanceService, toRunEvent } from './instance.service';
import type { InstanceRenderer } from './rendering/instance-renderer';
import { InstanceValues } from './revisions/instance-values';
import type { RevisionStore } from './revisions/revision-store';

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

const alice: Principal = { subject: 'alice', tenant: 'tenant-a', roles: new Set(['writer']) };
const admin: Principal = { subject: 'root', tenant: 'ops', roles: new Set(['admin']) };
const orchestrator: Principal = {
  subject: 'orchestrator',
  tenant: 'platform',
  roles: new Set(['service']),
};

const inlineIntent = (): CreateIntentDto => ({
  user_label: 'DeliverComputingWorkload',
  intent_expectations: [
    {
      expectation_verb: 'ENSURE',
      expectation_object: { object_type: 'NEMO_WORKLOAD' },
      expectation_targets: [
        { target_name: 'cpuUsage', target_condition: 'IS_LESS_THAN', target_value_range: 20 },
      ],
    },
  ],
});

/**
 * InstanceService over hand-written fakes (memory tables with all-or-nothing transactions, the
 * outbox and webhook records written through them, scripted rendering): what is checked before
 * helm runs, what one transaction stores and publishes, and that a failure anywhere in it leaves
 * no instance, revision, intent, event or webhook behind.
 */
describe('InstanceService', () => {
  let db: MemoryDatabase;
  let outbox: MemoryOutbox;
  let subscriptions: MemorySubscriptions;
  let workloads: MemoryWorkloads;
  let intents: MemoryIntents;
  let renderer: ScriptedRenderer;
  let service: InstanceService;

  function build(env: Record<string, string> = {}): void {
    db = new MemoryDatabase();
    // The partial unique index of the migrations: one live instance per release name and tenant.
    db.unique({
      entity: WorkloadInstance,
      constraint: 'workload_instance_live_release',
      columns: ['tenant', 'releaseName'],
      where: (row) => row.status !== 'deleted',
    });
    outbox = new MemoryOutbox(db);
    subscriptions = new MemorySubscriptions(db);
    workloads = new MemoryWorkloads();
    intents = new MemoryIntents(() => db.rows(IntentRecord));
    renderer = new ScriptedRenderer();
    const config = localConfig(env);
    service = new InstanceService(
      memoryRepository(db, WorkloadInstance),
      db.dataSource(),
      outbox as unknown as OutboxService,
      workloads as unknown as WorkloadService,
      intents as unknown as IntentService,
      renderer as unknown as InstanceRenderer,
      new MemoryRevisions() as unknown as RevisionStore,
      new MemoryClusters() as unknown as ClusterService,
      new InstanceValues(config.instance),
      config.render,
      subscriptions as unknown as SubscriptionService,
    );
  }

  const body = (overrides: Partial<CreateInstanceDto> = {}): CreateInstanceDto => ({
    release_name: 'echo',
    ...overrides,
  });

  /** Nothing at all was stored or published. */
  const nothingLeft = () => ({
    instances: db.rows(WorkloadInstance).length,
    revisions: db.rows(InstanceRevision).length,
    intents: db.rows(IntentRecord).length,
    events: outbox.events().length,
    webhooks: subscriptions.changes().length,
  });
  const EMPTY = { instances: 0, revisions: 0, intents: 0, events: 0, webhooks: 0 };

  const create = (overrides: Partial<CreateInstanceDto> = {}) =>
    service.create(alice, 9, body(overrides));

  beforeEach(() => build());

  describe('create', () => {
    it('stores the instance, its revision 1 and inline intents, and publishes one run event', async () => {
      const created = await create({ intents: [inlineIntent()] });
      expect(created).toMatchObject({ status: 'rendered', revision: 1, release_name: 'echo' });
      expect(db.rows(WorkloadInstance)).toHaveLength(1);
      expect(db.rows(InstanceRevision)).toMatchObject([
        { revision: 1, origin: 'create', status: 'rendered' },
      ]);
      // Inline intents are bound to the new instance whatever their object said.
      expect(db.rows(IntentRecord).map((row) => row.objectInstance)).toEqual([created.instance_id]);
      const events = outbox.events();
      expect(events.map((event) => event.routingKey)).toEqual(['run']);
      expect(events[0].payload).toMatchObject({
        instance_id: created.instance_id,
        revision: 1,
        intents: [expect.objectContaining({ user_label: 'DeliverComputingWorkload' })],
      });
      expect(subscriptions.changes()).toEqual([
        { event: 'instance.status.changed', subject: created.instance_id },
      ]);
    });

    it('checks values, then the document, then the release name, all before helm runs', async () => {
      const nested = Array.from({ length: 100 }).reduce<Record<string, unknown>>(
        (inner) => ({ x: inner }),
        {},
      );
      workloads.accepted.clear();
      await expect(create({ values: nested })).rejects.toBeInstanceOf(BadRequestError);
      expect(workloads.lookups).toEqual([]);

      await expect(create()).rejects.toMatchObject({ code: 'workload_not_accepted' });
      build();
      await create();
      await expect(create()).rejects.toMatchObject({ status: 409, code: 'release_name_taken' });
      expect(renderer.requests).toHaveLength(1);
    });

    it('leaves nothing behind when an inline intent is refused inside the transaction', async () => {
      intents.refuse = new BadRequestError('validation_failed', 'bad intent', []);
      await expect(create({ intents: [inlineIntent()] })).rejects.toThrow('bad intent');
      expect(nothingLeft()).toEqual(EMPTY);
      expect(db.outcomes.rolledBack).toBe(1);
    });

    it('leaves nothing behind when the run event is over RUN_EVENT_MAX_BYTES (422)', async () => {
      build({ RUN_EVENT_MAX_BYTES: '16384' });
      renderer.answer = async () => ({
        manifests: [{ apiVersion: 'v1', kind: 'ConfigMap', data: { big: 'x'.repeat(20000) } }],
        exposedUrls: [],
        kubeVersion: null,
        imageLock: [],
      });
      await expect(create({ intents: [inlineIntent()] })).rejects.toMatchObject({
        status: 422,
        code: 'run_event_too_large',
      });
      expect(nothingLeft()).toEqual(EMPTY);
    });

    it('publishes nothing when writing the event fails, and keeps no instance either', async () => {
      outbox.failNext(new Error('connection lost'));
      await expect(create()).rejects.toThrow('connection lost');
      expect(nothingLeft()).toEqual(EMPTY);
    });

    it('keeps no event when the webhook record, the last write, fails', async () => {
      subscriptions.failNext(new Error('connection lost'));
      await expect(create()).rejects.toThrow('connection lost');
      expect(nothingLeft()).toEqual(EMPTY);
    });

    it('answers 409 release_name_taken to the loser of two concurrent creates (the unique index decides)', async () => {
      renderer.hold();
      const first = create();
      const second = create();
      // Both passed the early check before either stored its instance.
      await new Promise((resolve) => setImmediate(resolve));
      expect(renderer.requests).toHaveLength(2);
      renderer.release();
      const outcomes = await Promise.allSettled([first, second]);
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
      const lost = outcomes.find((outcome) => outcome.status === 'rejected');
      expect(lost).toMatchObject({ reason: { status: 409, code: 'release_name_taken' } });
      expect(db.rows(WorkloadInstance)).toHaveLength(1);
      expect(outbox.events()).toHaveLength(1);
    });

    it('allows the release name again once the instance using it is deleted', async () => {
      const first = await create();
      await service.delete(alice, first.instance_id);
      await service.reportStatus(orchestrator, first.instance_id, { status: 'deleted' });
      await expect(create()).resolves.toMatchObject({ release_name: 'echo' });
    });
  });

  describe('preview (dry run)', () => {
    it('renders with the same checks and stores or publishes nothing', async () => {
      const preview = await service.preview(alice, 9, body());
      expect(preview).toMatchObject({ dry_run: true, instance_id: null, revision: 1 });
      expect(renderer.requests).toHaveLength(1);
      expect(nothingLeft()).toEqual(EMPTY);
      await create();
      await expect(service.preview(alice, 9, body())).rejects.toMatchObject({
        code: 'release_name_taken',
      });
    });
  });

  describe('delete', () => {
    let instance: InstanceResponse;
    beforeEach(async () => {
      instance = await create();
    });

    it('moves to deleting with one delete event; repeating it publishes nothing more', async () => {
      expect(await service.delete(alice, instance.instance_id)).toMatchObject({
        status: 'deleting',
      });
      expect(await service.delete(alice, instance.instance_id)).toMatchObject({
        status: 'deleting',
      });
      expect(outbox.events().map((event) => event.routingKey)).toEqual(['run', 'delete']);
      expect(db.rows(InstanceRevision)).toMatchObject([{ revision: 1, status: 'deleting' }]);
    });

    it("answers 404 for another tenant's instance and changes nothing", async () => {
      const bob: Principal = { subject: 'bob', tenant: 'tenant-b', roles: new Set(['writer']) };
      await expect(service.delete(bob, instance.instance_id)).rejects.toMatchObject({
        status: 404,
      });
      expect(db.rows(WorkloadInstance)).toMatchObject([{ status: 'rendered' }]);
      expect(outbox.events()).toHaveLength(1);
    });

    it('stays rendered with no delete event when the event cannot be written', async () => {
      outbox.failNext(new Error('connection lost'));
      await expect(service.delete(alice, instance.instance_id)).rejects.toThrow('connection lost');
      expect(db.rows(WorkloadInstance)).toMatchObject([{ status: 'rendered' }]);
      expect(outbox.events().map((event) => event.routingKey)).toEqual(['run']);
    });
  });

  describe('status reports', () => {
    let instance: InstanceResponse;
    beforeEach(async () => {
      instance = await create();
    });

    const statusNow = () => db.rows(WorkloadInstance)[0].status;

    it('follows the lifecycle and records the reported cluster for later upgrades', async () => {
      await service.reportStatus(orchestrator, instance.instance_id, {
        status: 'deploying',
        cluster_name: 'k3s-cluster',
      });
      await service.reportStatus(orchestrator, instance.instance_id, { status: 'deployed' });
      expect(db.rows(WorkloadInstance)).toMatchObject([
        { status: 'deployed', clusterName: 'k3s-cluster' },
      ]);
      expect(db.rows(InstanceRevision)).toMatchObject([{ revision: 1, status: 'deployed' }]);
      expect(subscriptions.changes()).toHaveLength(3);
    });

    it('answers 409 to an illegal transition, naming what is allowed, and changes nothing', async () => {
      await expect(
        service.reportStatus(admin, instance.instance_id, { status: 'deleted' }),
      ).rejects.toMatchObject({
        status: 409,
        code: 'illegal_status_transition',
        message: expect.stringContaining('it can become deploying, deployed, failed'),
      });
      expect(statusNow()).toBe('rendered');
      expect(intents.deactivated).toEqual([]);
      expect(subscriptions.changes()).toHaveLength(1);
    });

    it('gives a foreign reporter neither the instance nor its current status', async () => {
      await expect(
        service.reportStatus(orchestrator, instance.instance_id, { status: 'deleted' }),
      ).rejects.toMatchObject({
        code: 'illegal_status_transition',
        message: `instance ${instance.instance_id} cannot become deleted now`,
      });
      // The platform's orchestrator reports for every tenant: it is answered an acknowledgement.
      const answer = await service.reportStatus(orchestrator, instance.instance_id, {
        status: 'deploying',
      });
      expect(Object.keys(answer).sort()).toEqual(['instance_id', 'status', 'updated_at']);
      const own = await service.reportStatus(alice, instance.instance_id, { status: 'deployed' });
      expect(own).toMatchObject({ release_name: 'echo', status: 'deployed' });
    });

    it('deactivates the intents of a deleted instance in the same transaction, once', async () => {
      await service.delete(alice, instance.instance_id);
      await service.reportStatus(orchestrator, instance.instance_id, { status: 'deleted' });
      await service.reportStatus(orchestrator, instance.instance_id, { status: 'deleted' });
      expect(intents.deactivated).toEqual([instance.instance_id]);
      expect(statusNow()).toBe('deleted');
    });

    it('stays deleting when deactivating its intents fails', async () => {
      await service.delete(alice, instance.instance_id);
      intents.deactivationFailure = new Error('lock timeout');
      await expect(
        service.reportStatus(orchestrator, instance.instance_id, { status: 'deleted' }),
      ).rejects.toThrow('lock timeout');
      expect(statusNow()).toBe('deleting');
      expect(db.rows(InstanceRevision)).toMatchObject([{ status: 'deleting' }]);
    });
  });
});
