import type { FulfilmentInfo } from '../contract';
import type { FeasibilityVerdict } from './domain/feasibility';
import { acknowledged } from './domain/fulfilment';
import type { ContextDraft, ExpectationDraft, IntentDraft } from './domain/intent-draft';

/**
 * The statements that write an intent's definition tree in one round trip: its expectations with
 * their objects and targets, the contexts at every level, and one result per expectation and per
 * target. Each level's rows are inserted by a data-modifying CTE from a JSON array, joined to the
 * ids its parent level's CTE returned, so nothing waits for an id to come back to the client. The
 * prefix defines `new_intent(id)` and `fulfilment_report(id)`: a new intent and its reports, or an
 * existing intent whose expectations or contexts are replaced. Ids follow the client's order.
 */

/** The tree's rows as the statement's JSON parameters, positions as the client ordered them. */
interface IntentTreeRows {
  expectations: string;
  targets: string;
  contexts: string;
}

interface ContextRow {
  expectation: number | null;
  object: boolean;
  target: number | null;
  position: number;
  context_attribute: string;
  context_condition: string;
  context_value_range: unknown;
}

const contextRows = (
  contexts: readonly ContextDraft[],
  owner: Pick<ContextRow, 'expectation' | 'object' | 'target'>,
): ContextRow[] =>
  contexts.map((c, position) => ({
    ...owner,
    position,
    context_attribute: c.context_attribute,
    context_condition: c.context_condition,
    context_value_range: c.context_value_range,
  }));

const INTENT_LEVEL = { expectation: null, object: false, target: null } as const;

function treeRows(
  expectations: readonly ExpectationDraft[],
  intentContexts: readonly ContextDraft[],
): IntentTreeRows {
  const rows = expectations.map((e, expectation) => ({
    expectation: {
      position: expectation,
      expectation_id: e.expectation_id,
      expectation_verb: e.expectation_verb,
      object_type: e.expectation_object.object_type,
      object_instance: e.expectation_object.object_instance,
      context_selectivity: e.expectation_object.context_selectivity,
    },
    targets: e.expectation_targets.map((t, position) => ({
      expectation,
      position,
      target_name: t.target_name,
      target_condition: t.target_condition,
      target_value_range: t.target_value_range,
    })),
    contexts: [
      ...contextRows(e.expectation_contexts, { ...INTENT_LEVEL, expectation }),
      ...contextRows(e.expectation_object.object_contexts, {
        ...INTENT_LEVEL,
        expectation,
        object: true,
      }),
      ...e.expectation_targets.flatMap((t, target) =>
        contextRows(t.target_contexts, { ...INTENT_LEVEL, expectation, target }),
      ),
    ],
  }));
  return {
    expectations: JSON.stringify(rows.map((row) => row.expectation)),
    targets: JSON.stringify(rows.flatMap((row) => row.targets)),
    contexts: JSON.stringify([
      ...rows.flatMap((row) => row.contexts),
      ...contextRows(intentContexts, INTENT_LEVEL),
    ]),
  };
}

/** The fulfilment info every new result starts with: the statement's parameters $4–$6. */
const TREE_INFO_SQL = '$4, $5, $6::jsonb';

/**
 * The statement's first six parameters ($1–$6), read by the tree's CTEs; the prefix's own come
 * after them, from $7.
 */
function treeParameters(tree: IntentTreeRows, start: FulfilmentInfo): unknown[] {
  return [
    tree.expectations,
    tree.targets,
    tree.contexts,
    start.fulfilment_status,
    start.not_fulfilled_state,
    JSON.stringify(start.not_fulfilled_reasons),
  ];
}

/** The tree's CTEs, to follow a prefix defining `new_intent` and `fulfilment_report`. */
const TREE_SQL = `
  expectation_draft AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS d(position smallint,
      expectation_id text, expectation_verb text, object_type text, object_instance text,
      context_selectivity text)),
  expectation AS (
    INSERT INTO intent_expectation (intent_id, position, expectation_id, expectation_verb)
    SELECT i.id, d.position, d.expectation_id, d.expectation_verb
      FROM new_intent i CROSS JOIN expectation_draft d ORDER BY d.position
    RETURNING id, position),
  object AS (
    INSERT INTO expectation_object (intent_id, intent_expectation_id, object_type, object_instance,
      context_selectivity)
    SELECT i.id, e.id, d.object_type, d.object_instance, d.context_selectivity
      FROM new_intent i CROSS JOIN expectation e JOIN expectation_draft d USING (position)
     ORDER BY e.position
    RETURNING id, intent_expectation_id),
  target AS (
    INSERT INTO expectation_target (intent_id, intent_expectation_id, position, target_name,
      target_condition, target_value_range)
    SELECT i.id, e.id, d.position, d.target_name, d.target_condition, d.target_value_range
      FROM new_intent i
     CROSS JOIN jsonb_to_recordset($2::jsonb) AS d(expectation smallint, position smallint,
           target_name text, target_condition text, target_value_range jsonb)
      JOIN expectation e ON e.position = d.expectation
     ORDER BY d.expectation, d.position
    RETURNING id, intent_expectation_id, position),
  context AS (
    INSERT INTO intent_context (intent_id, intent_expectation_id, expectation_object_id,
      expectation_target_id, position, context_attribute, context_condition, context_value_range)
    SELECT i.id, CASE WHEN NOT d.object AND d.target IS NULL THEN e.id END, o.id, t.id,
           d.position, d.context_attribute, d.context_condition, d.context_value_range
      FROM new_intent i
     CROSS JOIN jsonb_to_recordset($3::jsonb) AS d(expectation smallint, object boolean,
           target smallint, position smallint, context_attribute text, context_condition text,
           context_value_range jsonb)
      LEFT JOIN expectation e ON e.position = d.expectation
      LEFT JOIN object o ON d.object AND o.intent_expectation_id = e.id
      LEFT JOIN target t ON t.intent_expectation_id = e.id AND t.position = d.target
     ORDER BY d.expectation NULLS LAST, d.position),
  expectation_result AS (
    INSERT INTO expectation_fulfilment_result (intent_id, intent_fulfilment_report_id,
      intent_expectation_id, fulfilment_status, not_fulfilled_state, not_fulfilled_reasons)
    SELECT i.id, f.id, e.id, ${TREE_INFO_SQL}
      FROM new_intent i CROSS JOIN fulfilment_report f CROSS JOIN expectation e ORDER BY e.position
    RETURNING id, intent_expectation_id),
  target_result AS (
    INSERT INTO target_fulfilment_result (intent_id, expectation_fulfilment_result_id,
      expectation_target_id, fulfilment_status, not_fulfilled_state, not_fulfilled_reasons)
    SELECT i.id, r.id, t.id, ${TREE_INFO_SQL}
      FROM new_intent i CROSS JOIN target t JOIN expectation_result r USING (intent_expectation_id)
     ORDER BY t.id)
  SELECT id FROM new_intent`;

/** A parameterized statement, as `m.query(text, values)` and pg's `client.query` take it. */
export interface Statement {
  text: string;
  values: unknown[];
}

const INSERT_INTENT_SQL = `WITH new_intent AS (
    INSERT INTO intent (owner, tenant, user_label, intent_preemption_capability,
      observation_period, admin_state)
    VALUES ($7, $8, $9, $10, $11, $12) RETURNING id),
  report AS (
    INSERT INTO intent_report (intent_id) SELECT id FROM new_intent RETURNING id, intent_id),
  fulfilment_report AS (
    INSERT INTO intent_fulfilment_report (intent_id, intent_report_id, fulfilment_status,
      not_fulfilled_state, not_fulfilled_reasons)
    SELECT intent_id, id, ${TREE_INFO_SQL} FROM report RETURNING id),
  feasibility AS (
    INSERT INTO intent_feasibility_check_report (intent_id, intent_report_id,
      feasibility_check_type, infeasibility_reason)
    SELECT intent_id, id, $13, $14 FROM report),
  ${TREE_SQL}`;

/**
 * A whole new intent: its row, its report (fulfilment `start`, feasibility `verdict`) and its
 * tree. Answers one row, the new intent's `id`.
 */
export function insertIntentStatement(
  owner: { subject: string; tenant: string },
  draft: IntentDraft,
  verdict: FeasibilityVerdict,
  start: FulfilmentInfo,
): Statement {
  return {
    text: INSERT_INTENT_SQL,
    values: [
      ...treeParameters(treeRows(draft.intent_expectations, draft.intent_contexts), start),
      owner.subject,
      owner.tenant,
      draft.user_label,
      draft.intent_preemption_capability === 'TRUE',
      draft.observation_period,
      draft.intent_admin_state,
      verdict.feasibility_check_type,
      verdict.infeasibility_reason,
    ],
  };
}

const REPLACE_TREE_SQL = `WITH new_intent AS (SELECT $7::integer AS id),
  fulfilment_report AS (SELECT $8::integer AS id),
  ${TREE_SQL}`;

/**
 * New expectations (with fresh results, ACKNOWLEDGED) and new intent-level contexts for an
 * existing intent whose old ones are already deleted; either list may be empty.
 */
export function replaceTreeStatement(
  ids: { intent: number; fulfilmentReport: number },
  expectations: readonly ExpectationDraft[],
  intentContexts: readonly ContextDraft[],
): Statement {
  return {
    text: REPLACE_TREE_SQL,
    values: [
      ...treeParameters(treeRows(expectations, intentContexts), acknowledged()),
      ids.intent,
      ids.fulfilmentReport,
    ],
  };
}
