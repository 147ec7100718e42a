import { MemoryDatabase } from '../../test/fakes/database';
import { MemoryOutbox, MemorySubscriptions } from '../../test/fakes/events';
import { MemoryIntentStore, StoredIntent } from '../../test/fakes/intent';
import { localConfig } from '../../test/support/config';
import type { Principal } from '../auth/principal';
import type { IntentObject } from '../contract';
import type { OutboxService } from '../events/outbox.service';
import type { SubscriptionService } from '../subscription/subscription.service';
import type { CreateIntentDto } from './dto/create-intent.dto';
import { IntentFeasibilityService } from './intent-feasibility.service';
import { IntentTemplatesService, templateCatalogProvider } from './intent-templates.service';
import { IntentService } from './intent.service';
import type { IntentStore } from './intent.store';
import { ObjectResolverRegistry } from './object-resolver.registry';

const alice: Principal = { subject: 'alice', tenant: 'tenant-a', roles: new Set(['writer']) };
const monitoring: Principal = {
  subject: 'monitoring',
  tenant: 'platform',
  roles: new Set(['service']),
};
const WORKLOAD = '936623ae-8969-4d73-8c04-527d1cb815ac';
const OTHER_WORKLOAD = '5ce430d6-0000-4000-8000-000000000001';

type Target = { condition: string; value: number };

const intentBody = (
  target: Target = { condition: 'IS_LESS_THAN', value: 20 },
  overrides: Partial<CreateIntentDto> = {},
  objectInstance = WORKLOAD,
): CreateIntentDto =>
  ({
    user_label: 'DeliverComputingWorkload',
    observation_period: 0,
    intent_expectations: [
      {
        expectation_verb: 'ENSURE',
        expectation_object: { object_type: 'NEMO_WORKLOAD', object_instance: objectInstance },
        expectation_targets: [
          {
            target_name: 'cpuUsage',
            target_condition: target.condition,
            target_value_range: target.value,
          },
        ],
      },
    ],
    ...overrides,
  }) as CreateIntentDto;

const feasibility = (intent: IntentObject) =>
  intent.intent_report_reference.intent_feasibility_check_report;
const targetOf = (intent: IntentObject) =>
  intent.intent_expectations[0].expectation_targets[0].id ?? 0;

/**
 * IntentService over a memory IntentStore and memory outbox/webhook records (all rolled back with
 * the transaction), with the real feasibility service, template catalog and resolver registry:
 * what is published when, contradictions as conflicts on both sides, suspension and resume, the
 * order in which a report is refused, and that a failure leaves no intent and no event.
 */
describe('IntentService', () => {
  let db: MemoryDatabase;
  let store: MemoryIntentStore;
  let outbox: MemoryOutbox;
  let subscriptions: MemorySubscriptions;
  let service: IntentService;
  let owned: Set<string>;

  beforeEach(() => {
    db = new MemoryDatabase();
    store = new MemoryIntentStore(db);
    outbox = new MemoryOutbox(db);
    subscriptions = new MemorySubscriptions(db);
    const catalog = templateCatalogProvider.useFactory();
    const resolvers = new ObjectResolverRegistry();
    const records = store as unknown as IntentStore;
    service = new IntentService(
      db.dataSource(),
      records,
      new IntentFeasibilityService(records, resolvers, catalog),
      resolvers,
      new IntentTemplatesService(catalog),
      outbox as unknown as OutboxService,
      localConfig().intent,
      subscriptions as unknown as SubscriptionService,
    );
    owned = new Set([WORKLOAD, OTHER_WORKLOAD]);
    service.registerObjectResolver('NEMO_WORKLOAD', async (_m, _p, instance) =>
      owned.has(instance),
    );
  });

  const notified = () =>
    outbox
      .events()
      .filter((event) => event.routingKey === 'intent-notify')
      .map((event) => (event.payload as IntentObject).id);
  const webhooks = () => subscriptions.changes().map((c) => `${c.event} ${c.subject}`);
  const stored = () => db.rows(StoredIntent).length;

  describe('create', () => {
    it('stores a feasible intent and announces it with intent-notify and intent.created', async () => {
      const intent = await service.create(alice, intentBody());
      expect(feasibility(intent)).toEqual(
        expect.objectContaining({ feasibility_check_type: 'FEASIBLE' }),
      );
      expect(notified()).toEqual([intent.id]);
      expect(webhooks()).toEqual([`intent.created ${intent.id}`]);
      expect(store.locked).toContain(`objects tenant-a NEMO_WORKLOAD ${WORKLOAD}`);
    });

    it('stores an infeasible intent without intent-notify: missing object, unknown object type', async () => {
      owned.delete(WORKLOAD);
      const missing = await service.create(alice, intentBody());
      expect(feasibility(missing)?.feasibility_check_type).toBe('INFEASIBLE');
      const unknownType = intentBody();
      unknownType.intent_expectations[0].expectation_object.object_type = 'SATELLITE';
      const unverifiable = await service.create(alice, unknownType);
      expect(feasibility(unverifiable)?.feasibility_check_type).toBe('INFEASIBLE');
      expect(notified()).toEqual([]);
      expect(webhooks()).toEqual([
        `intent.created ${missing.id}`,
        `intent.created ${unverifiable.id}`,
      ]);
    });

    it('publishes nothing for a DEACTIVATED intent, whose fulfilment starts SUSPENDED', async () => {
      const intent = await service.create(
        alice,
        intentBody(undefined, { intent_admin_state: 'DEACTIVATED' }),
      );
      expect(
        intent.intent_report_reference.intent_fulfilment_report.intent_fulfilment_info,
      ).toMatchObject({ not_fulfilled_state: 'SUSPENDED' });
      expect(notified()).toEqual([]);
    });

    it('leaves no intent and no event when the webhook record, the last write, fails', async () => {
      subscriptions.failNext(new Error('connection lost'));
      await expect(service.create(alice, intentBody())).rejects.toThrow('connection lost');
      expect({ stored: stored(), events: outbox.events().length }).toEqual({
        stored: 0,
        events: 0,
      });
    });

    it('leaves no intent when intent-notify cannot be written', async () => {
      outbox.failNext(new Error('connection lost'));
      await expect(service.create(alice, intentBody())).rejects.toThrow('connection lost');
      expect(stored()).toBe(0);
      expect(webhooks()).toEqual([]);
    });

    it('names an inline intent by its position when its body is refused (400), storing none', async () => {
      const bad = intentBody();
      delete bad.intent_expectations[0].expectation_object.object_instance;
      await expect(
        db
          .dataSource()
          .transaction((m) => service.createWithinTransaction(m, alice, [intentBody(), bad])),
      ).rejects.toMatchObject({
        status: 400,
        errors: [
          {
            field: 'intents[1].intent_expectations[0].expectation_object.object_instance',
            reason: 'object_instance is required',
          },
        ],
      });
      // Every body is checked before the first intent is written.
      expect(stored()).toBe(0);
    });
  });

  describe('contradictions', () => {
    it('refuses the second of two contradicting intents and reports the conflict on both', async () => {
      const first = await service.create(alice, intentBody());
      const second = await service.create(
        alice,
        intentBody({ condition: 'IS_GREATER_THAN', value: 50 }),
      );
      expect(feasibility(second)?.feasibility_check_type).toBe('INFEASIBLE');
      expect(notified()).toEqual([first.id]);
      const conflicts = (intent: IntentObject) =>
        intent.intent_report_reference.intent_conflict_reports.map((c) => c.conflicting_intent);
      expect(conflicts(second)).toEqual([first.id]);
      expect(conflicts(await service.get(alice, first.id))).toEqual([second.id]);

      // A compatible change clears the conflict on both sides and publishes the now feasible intent.
      const fixed = await service.update(alice, second.id, {
        intent_expectations: intentBody({ condition: 'IS_LESS_THAN', value: 10 })
          .intent_expectations,
      });
      expect(feasibility(fixed)?.feasibility_check_type).toBe('FEASIBLE');
      expect(conflicts(fixed)).toEqual([]);
      expect(conflicts(await service.get(alice, first.id))).toEqual([]);
      expect(notified()).toEqual([first.id, second.id]);
    });

    it('ignores DEACTIVATED intents and intents on other objects', async () => {
      const suspendedOne = await service.create(
        alice,
        intentBody(undefined, { intent_admin_state: 'DEACTIVATED' }),
      );
      await service.create(alice, intentBody(undefined, {}, OTHER_WORKLOAD));
      const opposite = await service.create(
        alice,
        intentBody({ condition: 'IS_GREATER_THAN', value: 50 }),
      );
      expect(feasibility(opposite)?.feasibility_check_type).toBe('FEASIBLE');

      // Resuming the suspended one checks it again: now it is the one contradicting.
      const resumed = await service.update(alice, suspendedOne.id, {
        intent_admin_state: 'ACTIVATED',
      });
      expect(feasibility(resumed)?.feasibility_check_type).toBe('INFEASIBLE');
      expect(notified()).not.toContain(suspendedOne.id);
    });

    it('takes the conflict off the other intent when one is deleted', async () => {
      const first = await service.create(alice, intentBody());
      const second = await service.create(
        alice,
        intentBody({ condition: 'IS_GREATER_THAN', value: 50 }),
      );
      await service.delete(alice, second.id);
      const after = await service.get(alice, first.id);
      expect(after.intent_report_reference.intent_conflict_reports).toEqual([]);
      await expect(service.get(alice, second.id)).rejects.toMatchObject({ status: 404 });
      expect(webhooks()).toContain(`intent.deleted ${second.id}`);
    });
  });

  describe('suspend and resume', () => {
    it('suspends without publishing; resuming re-checks, re-judges and publishes', async () => {
      const intent = await service.create(alice, intentBody());
      const suspendedIntent = await service.update(alice, intent.id, {
        intent_admin_state: 'DEACTIVATED',
      });
      expect(
        suspendedIntent.intent_report_reference.intent_fulfilment_report.intent_fulfilment_info,
      ).toMatchObject({ not_fulfilled_state: 'SUSPENDED' });
      expect(notified()).toEqual([intent.id]);

      const resumed = await service.update(alice, intent.id, { intent_admin_state: 'ACTIVATED' });
      expect(resumed.intent_admin_state).toBe('ACTIVATED');
      expect(
        resumed.intent_report_reference.intent_fulfilment_report.intent_fulfilment_info,
      ).not.toMatchObject({ not_fulfilled_state: 'SUSPENDED' });
      expect(notified()).toEqual([intent.id, intent.id]);
      expect(webhooks()).toEqual([
        `intent.created ${intent.id}`,
        ...['suspended', 'resumed'].flatMap(() => [
          `intent.changed ${intent.id}`,
          `intent.report.changed ${intent.id}`,
        ]),
      ]);
    });

    it('keeps the intent as it was when the update cannot publish', async () => {
      const intent = await service.create(alice, intentBody());
      outbox.failNext(new Error('connection lost'));
      await expect(
        service.update(alice, intent.id, { user_label: 'FederatedLearning' }),
      ).rejects.toThrow('connection lost');
      expect((await service.get(alice, intent.id)).user_label).toBe('DeliverComputingWorkload');
    });
  });

  describe('fulfilment reports', () => {
    it('judges the reported values and keeps each report in the history', async () => {
      const intent = await service.create(alice, intentBody());
      const target = targetOf(intent);
      const report = await service.reportFulfilment(alice, intent.id, {
        target_fulfilment_results: [{ target, target_achieved_value: 12 }],
      });
      expect(report).toMatchObject({
        intent_fulfilment_report: { intent_fulfilment_info: { fulfilment_status: 'FULFILLED' } },
      });
      store.clock += 1_000_000;
      await service.reportFulfilment(alice, intent.id, {
        target_fulfilment_results: [{ target, target_achieved_value: 35 }],
      });
      expect((await service.getReport(alice, intent.id)).intent_fulfilment_report).toMatchObject({
        intent_fulfilment_info: {
          fulfilment_status: 'NOT_FULFILLED',
          not_fulfilled_state: 'DEGRADED',
        },
      });
      const history = await service.listReports(alice, intent.id, { limit: 20 } as never);
      expect(history.items.map((entry) => entry.target_fulfilment_results[0])).toEqual([
        { target, target_achieved_value: 35 },
        { target, target_achieved_value: 12 },
      ]);
      expect(webhooks().filter((w) => w.startsWith('intent.report.changed'))).toHaveLength(2);
      expect(notified()).toEqual([intent.id]);
    });

    it('refuses foreign targets before refusing an infeasible intent (422, then 409)', async () => {
      owned.delete(WORKLOAD);
      const intent = await service.create(alice, intentBody());
      const target = targetOf(intent);
      await expect(
        service.reportFulfilment(alice, intent.id, {
          target_fulfilment_results: [
            { target, target_achieved_value: 1 },
            { target, target_achieved_value: 2 },
            { target: 999999, target_achieved_value: 3 },
          ],
        }),
      ).rejects.toMatchObject({
        code: 'intent_report_targets_invalid',
        errors: [
          {
            field: 'target_fulfilment_results[1].target',
            reason: `target ${target} is reported twice`,
          },
          {
            field: 'target_fulfilment_results[2].target',
            reason: '999999 is not a target of this intent',
          },
        ],
      });
      await expect(
        service.reportFulfilment(alice, intent.id, {
          target_fulfilment_results: [{ target, target_achieved_value: 1 }],
        }),
      ).rejects.toMatchObject({ status: 409, code: 'intent_infeasible' });
      expect(store.entries).toEqual([]);
    });

    it("acknowledges a platform reporter on another tenant's intent; its bad targets look like no intent", async () => {
      const intent = await service.create(alice, intentBody());
      const target = targetOf(intent);
      const ack = await service.reportFulfilment(monitoring, intent.id, {
        target_fulfilment_results: [{ target, target_achieved_value: 5 }],
      });
      expect(Object.keys(ack).sort()).toEqual(['intent_id', 'last_updated_time']);
      await expect(
        service.reportFulfilment(monitoring, intent.id, {
          target_fulfilment_results: [{ target: target + 1000, target_achieved_value: 5 }],
        }),
      ).rejects.toMatchObject({ status: 404 });
      expect(store.entries).toHaveLength(1);
    });

    it('keeps the values of a DEACTIVATED intent in its history only', async () => {
      const intent = await service.create(
        alice,
        intentBody(undefined, { intent_admin_state: 'DEACTIVATED' }),
      );
      const report = await service.reportFulfilment(alice, intent.id, {
        target_fulfilment_results: [{ target: targetOf(intent), target_achieved_value: 90 }],
      });
      expect(report).toMatchObject({
        intent_fulfilment_report: { intent_fulfilment_info: { not_fulfilled_state: 'SUSPENDED' } },
      });
      expect(store.entries.map((entry) => entry.adminState)).toEqual(['DEACTIVATED']);
    });
  });

  describe('deactivateForDeletedInstance', () => {
    it('suspends the ACTIVATED intents on the instance with the reason, and clears their conflicts', async () => {
      const first = await service.create(alice, intentBody());
      const second = await service.create(
        alice,
        intentBody({ condition: 'IS_GREATER_THAN', value: 50 }),
      );
      const elsewhere = await service.create(alice, intentBody(undefined, {}, OTHER_WORKLOAD));
      const ids = await db
        .dataSource()
        .transaction((m) => service.deactivateForDeletedInstance(m, 'NEMO_WORKLOAD', WORKLOAD));
      expect(ids).toEqual([first.id, second.id]);
      const after = await service.get(alice, first.id);
      expect(after.intent_admin_state).toBe('DEACTIVATED');
      expect(after.intent_report_reference.intent_fulfilment_report.intent_fulfilment_info).toEqual(
        {
          fulfilment_status: 'NOT_FULFILLED',
          not_fulfilled_state: 'SUSPENDED',
          not_fulfilled_reasons: [`deactivated: workload instance ${WORKLOAD} was deleted`],
        },
      );
      expect(after.intent_report_reference.intent_conflict_reports).toEqual([]);
      expect((await service.get(alice, elsewhere.id)).intent_admin_state).toBe('ACTIVATED');
      expect(webhooks().slice(-4)).toEqual([
        `intent.changed ${first.id}`,
        `intent.report.changed ${first.id}`,
        `intent.changed ${second.id}`,
        `intent.report.changed ${second.id}`,
      ]);
      expect(store.locked).toContain(`intents on NEMO_WORKLOAD ${WORKLOAD}`);
    });
  });
});
