import { BadRequestError } from '../../common/errors/domain-error';
import { FieldError } from '../../common/errors/problem';
import type { ContextDraft, ExpectationDraft, IntentDraft } from '../domain/intent-draft';
import { ContextDto, CreateIntentDto, IntentExpectationDto } from './create-intent.dto';
import { UpdateIntentDto } from './update-intent.dto';

export const DEFAULT_OBSERVATION_PERIOD = 60;

const toContexts = (contexts: ContextDto[] | undefined): ContextDraft[] =>
  (contexts ?? []).map((c) => ({
    context_attribute: c.context_attribute,
    context_condition: c.context_condition,
    context_value_range: c.context_value_range,
  }));

function toExpectations(dtos: IntentExpectationDto[], path: string): ExpectationDraft[] {
  const errors: FieldError[] = [];
  const drafts = dtos.map((e, i): ExpectationDraft => {
    const o = e.expectation_object;
    if (o.object_instance === undefined) {
      errors.push({
        field: `${path}[${i}].expectation_object.object_instance`,
        reason: 'object_instance is required',
      });
    }
    return {
      expectation_id: e.expectation_id ?? String(i + 1),
      expectation_verb: e.expectation_verb,
      expectation_object: {
        object_type: o.object_type,
        object_instance: o.object_instance ?? '',
        context_selectivity: o.context_selectivity ?? null,
        object_contexts: toContexts(o.object_contexts),
      },
      expectation_targets: e.expectation_targets.map((t) => ({
        target_name: t.target_name,
        target_condition: t.target_condition,
        target_value_range: t.target_value_range,
        target_contexts: toContexts(t.target_contexts),
      })),
      expectation_contexts: toContexts(e.expectation_contexts),
    };
  });
  drafts.forEach((d, i) => {
    if (drafts.findIndex((other) => other.expectation_id === d.expectation_id) !== i) {
      errors.push({
        field: `${path}[${i}].expectation_id`,
        reason: `expectation_id ${JSON.stringify(d.expectation_id)} is used twice`,
      });
    }
  });
  if (errors.length > 0) {
    throw new BadRequestError(
      'validation_failed',
      `Invalid request: check ${errors.map((e) => e.field).join(', ')}`,
      errors,
    );
  }
  return drafts;
}

/**
 * A create body with defaults applied. Rules a decorator cannot express (object_instance present
 * once the caller is done, expectation ids unique) are still syntax: they answer 400, not INFEASIBLE.
 */
export function toIntentDraft(dto: CreateIntentDto, path = 'intent_expectations'): IntentDraft {
  return {
    user_label: dto.user_label,
    intent_preemption_capability: dto.intent_preemption_capability ?? 'FALSE',
    observation_period: dto.observation_period ?? DEFAULT_OBSERVATION_PERIOD,
    intent_expectations: toExpectations(dto.intent_expectations, path),
    intent_contexts: toContexts(dto.intent_contexts),
    intent_admin_state: dto.intent_admin_state ?? 'ACTIVATED',
  };
}

/** The intent after a PATCH: given fields replace the current ones, lists as a whole. */
export function applyUpdate(current: IntentDraft, dto: UpdateIntentDto): IntentDraft {
  return {
    user_label: dto.user_label ?? current.user_label,
    intent_preemption_capability:
      dto.intent_preemption_capability ?? current.intent_preemption_capability,
    observation_period: dto.observation_period ?? current.observation_period,
    intent_expectations: dto.intent_expectations
      ? toExpectations(dto.intent_expectations, 'intent_expectations')
      : current.intent_expectations,
    intent_contexts: dto.intent_contexts
      ? toContexts(dto.intent_contexts)
      : current.intent_contexts,
    intent_admin_state: dto.intent_admin_state ?? current.intent_admin_state,
  };
}
