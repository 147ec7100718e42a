import { UnprocessableError } from '../../common/errors/domain-error';
import type { IntentDraft, TargetDraft } from '../domain/intent-draft';
import type {
  CreateIntentFromTemplateDto,
  TemplateTargetParamDto,
} from '../dto/create-from-template.dto';
import type { IntentTemplate, TemplateTarget } from './template-catalog';

function fromParam(
  template: IntentTemplate,
  param: TemplateTargetParamDto,
  index: number,
): TargetDraft {
  const field = `targets[${index}]`;
  const known = template.targets.find((t) => t.target_name === param.target_name);
  if (!known) {
    const names = template.targets.map((t) => t.target_name).join(', ');
    throw new UnprocessableError(
      'template_target_unknown',
      `Template ${template.user_label} has no target ${param.target_name} (targets: ${names})`,
      [{ field: `${field}.target_name`, reason: `must be one of ${names}` }],
    );
  }
  const value = param.target_value_range ?? known.default_value_range;
  if (value === undefined) {
    throw new UnprocessableError(
      'template_value_missing',
      `Target ${param.target_name} of template ${template.user_label} has no default value: give target_value_range`,
      [{ field: `${field}.target_value_range`, reason: 'is required for this target' }],
    );
  }
  return {
    target_name: known.target_name,
    target_condition: param.target_condition ?? known.default_condition,
    target_value_range: value,
    target_contexts: [],
  };
}

const fromDefault = (
  target: TemplateTarget & {
    default_value_range: NonNullable<TemplateTarget['default_value_range']>;
  },
): TargetDraft => ({
  target_name: target.target_name,
  target_condition: target.default_condition,
  target_value_range: target.default_value_range,
  target_contexts: [],
});

/**
 * A full intent from a template and a few parameters: one expectation on the given object with the
 * requested targets (conditions and values defaulting to the template's), or the template's
 * defaulted targets when none are requested. The result goes through the usual feasibility check.
 */
export function buildFromTemplate(
  template: IntentTemplate,
  params: CreateIntentFromTemplateDto,
): IntentDraft {
  const targets = params.targets
    ? params.targets.map((param, i) => fromParam(template, param, i))
    : template.targets
        .filter((t): t is Parameters<typeof fromDefault>[0] => t.default_value_range !== undefined)
        .map(fromDefault);
  if (targets.length === 0) {
    throw new UnprocessableError(
      'template_targets_required',
      `Template ${template.user_label} has no default targets: give targets`,
      [{ field: 'targets', reason: 'is required for this template' }],
    );
  }
  return {
    user_label: template.user_label,
    intent_preemption_capability:
      params.intent_preemption_capability ?? template.intent_preemption_capability,
    observation_period: params.observation_period ?? template.observation_period,
    intent_expectations: [
      {
        expectation_id: '1',
        expectation_verb: template.expectation_verb,
        expectation_object: {
          object_type: template.object_type,
          object_instance: params.object_instance,
          context_selectivity: null,
          object_contexts: [],
        },
        expectation_targets: targets,
        expectation_contexts: [],
      },
    ],
    intent_contexts: [],
    intent_admin_state: 'ACTIVATED',
  };
}
