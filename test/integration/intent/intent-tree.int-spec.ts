import fc from 'fast-check';
import { DataSource, EntityManager } from 'typeorm';
import { CONDITIONS, EXPECTATION_VERBS, FulfilmentInfo } from '../../../src/contract';
import type { Principal } from '../../../src/auth/principal';
import { dataSourceOptions } from '../../../src/database/data-source-options';
import type { FeasibilityVerdict } from '../../../src/intent/domain/feasibility';
import { acknowledged, suspended } from '../../../src/intent/domain/fulfilment';
import type { ContextDraft, IntentDraft } from '../../../src/intent/domain/intent-draft';
import { toIntentDefinition } from '../../../src/intent/dto/intent-object.mapper';
import { INTENT_ENTITIES } from '../../../src/intent/entities';
import type { IntentRows } from '../../../src/intent/entities/intent-rows';
import { IntentStore } from '../../../src/intent/intent.store';

/**
 * IntentStore writes an intent's tree (expectations, objects, targets, contexts at every level,
 * one result per expectation and per target) with one statement of data-modifying CTEs: what it
 * wrote, read back, must be the draft it was given, every row linked to the right owner.
 */
describe('IntentStore: an intent tree in one statement (real PostgreSQL)', () => {
  let dataSource: DataSource;
  const store = new IntentStore();
  const principal: Principal = { subject: 'tree-writer', tenant: 'tenant-tree', roles: new Set() };

  beforeAll(async () => {
    dataSource = new DataSource({
      ...dataSourceOptions(process.env.DATABASE_URL ?? '', 2),
      entities: INTENT_ENTITIES,
    });
    await dataSource.initialize();
  });

  afterAll(() => dataSource.destroy());

  // Quotes, backslashes, JSON-looking text, accents and a surrogate pair: the text travels in JSON.
  const text = fc.string({
    unit: fc.constantFrom('a', 'Z', '"', "'", '\\', '{', ']', ',', ' ', 'é', '\n', '\u{1F680}'),
    maxLength: 12,
  });
  const valueRange = fc.oneof(
    fc.integer({ min: -1000, max: 1000 }),
    text,
    fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 }),
  );
  const contexts = fc.array(
    fc.record({
      context_attribute: text,
      context_condition: fc.constantFrom(...CONDITIONS),
      context_value_range: valueRange,
    }),
    { maxLength: 2 },
  ) as fc.Arbitrary<ContextDraft[]>;
  const draft: fc.Arbitrary<IntentDraft> = fc.record({
    user_label: text,
    intent_preemption_capability: fc.constantFrom('TRUE', 'FALSE'),
    observation_period: fc.integer({ min: 1, max: 86_400 }),
    // An intent's expectation ids are unique (the DTO refuses twins; so does a constraint).
    intent_expectations: fc.uniqueArray(
      fc.record({
        expectation_id: text,
        expectation_verb: fc.constantFrom(...EXPECTATION_VERBS),
        expectation_object: fc.record({
          object_type: text,
          object_instance: text,
          context_selectivity: fc.option(text),
          object_contexts: contexts,
        }),
        expectation_targets: fc.array(
          fc.record({
            target_name: text,
            target_condition: fc.constantFrom(...CONDITIONS),
            target_value_range: valueRange,
            target_contexts: contexts,
          }),
          { maxLength: 3 },
        ),
        expectation_contexts: contexts,
      }),
      { minLength: 1, maxLength: 3, selector: (e) => e.expectation_id },
    ),
    intent_contexts: contexts,
    intent_admin_state: fc.constantFrom('ACTIVATED', 'DEACTIVATED'),
  }) as fc.Arbitrary<IntentDraft>;

  const verdict: FeasibilityVerdict = {
    feasibility_check_type: 'INFEASIBLE',
    infeasibility_reason: 'a "quoted" reason',
  };

  /** The intent's definition as read back, without the database ids. */
  const definitionOf = (rows: IntentRows): unknown =>
    JSON.parse(
      JSON.stringify(toIntentDefinition(rows), (key, value: unknown) =>
        key === 'id' ? undefined : value,
      ),
    );

  const readBack = async (m: EntityManager, id: number): Promise<IntentRows> => {
    const [rows] = await store.loadRows(m, [id]);
    return rows;
  };

  /** One result per expectation and per target, each with `info`, linked to its own row. */
  const expectResults = (rows: IntentRows, info: FulfilmentInfo): void => {
    const expected = {
      fulfilmentStatus: info.fulfilment_status,
      notFulfilledState: info.not_fulfilled_state,
      notFulfilledReasons: info.not_fulfilled_reasons,
    };
    expect(rows.expectationResults.map((r) => r.intentExpectationId).sort()).toEqual(
      rows.expectations.map((e) => e.id).sort(),
    );
    expect(rows.targetResults.map((r) => r.expectationTargetId).sort()).toEqual(
      rows.targets.map((t) => t.id).sort(),
    );
    for (const result of rows.targetResults) {
      const target = rows.targets.find((t) => t.id === result.expectationTargetId);
      const parent = rows.expectationResults.find(
        (r) => r.id === result.expectationFulfilmentResultId,
      );
      expect(parent?.intentExpectationId).toBe(target?.intentExpectationId);
    }
    for (const r of [...rows.expectationResults, ...rows.targetResults, rows.fulfilmentReport])
      expect(r.info).toEqual(expected);
  };

  /** Runs `body` in a transaction that is always rolled back, so runs leave no rows behind. */
  const inRolledBackTransaction = async (body: (m: EntityManager) => Promise<void>) => {
    const rollback = new Error('rollback');
    await expect(
      dataSource.transaction(async (m) => {
        await body(m);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
  };

  it('insert: what is read back is the draft, reports and results included', async () => {
    await fc.assert(
      fc.asyncProperty(draft, (given) =>
        inRolledBackTransaction(async (m) => {
          const id = await store.insert(m, principal, given, verdict);
          const rows = await readBack(m, id);
          expect(definitionOf(rows)).toEqual(given);
          expect(rows.intent).toMatchObject({ owner: 'tree-writer', tenant: 'tenant-tree' });
          expect(rows.feasibility).toMatchObject({
            feasibilityCheckType: 'INFEASIBLE',
            infeasibilityReason: 'a "quoted" reason',
          });
          expect(rows.fulfilmentReport.intentReportId).toBe(rows.report.id);
          expectResults(
            rows,
            given.intent_admin_state === 'DEACTIVATED' ? suspended() : acknowledged(),
          );
        }),
      ),
      { numRuns: 40 },
    );
  });

  it('update: replaced expectations and contexts are the new draft, results start over', async () => {
    await fc.assert(
      fc.asyncProperty(draft, draft, fc.boolean(), (first, next, replaceContexts) =>
        inRolledBackTransaction(async (m) => {
          const id = await store.insert(m, principal, first, verdict);
          const replace = { expectations: true, contexts: replaceContexts };
          await store.update(m, await readBack(m, id), next, replace, verdict);
          const rows = await readBack(m, id);
          expect(definitionOf(rows)).toEqual({
            ...next,
            intent_contexts: replaceContexts ? next.intent_contexts : first.intent_contexts,
          });
          expectResults(rows, acknowledged());
        }),
      ),
      { numRuns: 25 },
    );
  });

  it('update of the intent-level contexts only keeps the expectations and their results', async () => {
    await fc.assert(
      fc.asyncProperty(draft, contexts, (first, intentContexts) =>
        inRolledBackTransaction(async (m) => {
          const id = await store.insert(m, principal, first, verdict);
          const before = await readBack(m, id);
          const next = { ...first, intent_contexts: intentContexts };
          await store.update(m, before, next, { expectations: false, contexts: true }, verdict);
          const rows = await readBack(m, id);
          expect(definitionOf(rows)).toEqual(next);
          expect(rows.expectations).toEqual(before.expectations);
          expect(rows.targetResults).toEqual(before.targetResults);
        }),
      ),
      { numRuns: 15 },
    );
  });
});
