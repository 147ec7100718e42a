import { ApiProperty } from '@nestjs/swagger';
import {
  type Condition,
  CONDITIONS,
  EXPECTATION_VERBS,
  type ExpectationVerb,
  PREEMPTION_CAPABILITIES,
  PreemptionCapability,
  type ValueRange,
} from '../../contract';
import { VALUE_TYPES, ValueType } from '../intent.enums';
import { DESCRIPTION_MAX_LENGTH, ID_SCHEMA } from '../../common/validation/bounds';
import {
  findTargetSpec,
  IntentTemplate,
  MAX_CATALOG_ENTRIES,
  TemplateCatalog,
} from '../templates/template-catalog';
import { MAX_OBSERVATION_PERIOD, MAX_TARGETS, NAME_MAX_LENGTH } from './create-intent.dto';
import { VALUE_RANGE_SCHEMA } from './value-range.validator';

const NAME = { minLength: 1, maxLength: NAME_MAX_LENGTH };
const DESCRIPTION = { minLength: 1, maxLength: DESCRIPTION_MAX_LENGTH };

export class TemplateTargetResponse {
  @ApiProperty({ ...NAME, example: 'cpuUsage' }) target_name!: string;
  @ApiProperty({ ...DESCRIPTION, example: 'CPU usage of the workload instance.' })
  description!: string;
  @ApiProperty({ enum: VALUE_TYPES, enumName: 'TargetValueType', example: 'number' })
  value_type!: ValueType;
  @ApiProperty({ type: String, nullable: true, ...NAME, example: '%' }) unit!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 0 }) minimum!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 100 }) maximum!: number | null;
  @ApiProperty({
    enum: CONDITIONS,
    enumName: 'Condition',
    isArray: true,
    maxItems: CONDITIONS.length,
  })
  allowed_conditions!: Condition[];
  @ApiProperty({ enum: CONDITIONS, enumName: 'Condition', example: 'IS_LESS_THAN' })
  default_condition!: Condition;
  @ApiProperty({ ...VALUE_RANGE_SCHEMA, nullable: true, example: 80 })
  default_value_range!: ValueRange | null;
}

export class IntentTemplateResponse {
  @ApiProperty({ ...NAME, example: 'DeliverComputingWorkload' }) user_label!: string;
  @ApiProperty({ ...DESCRIPTION }) description!: string;
  @ApiProperty({ enum: EXPECTATION_VERBS, enumName: 'ExpectationVerb', example: 'ENSURE' })
  expectation_verb!: ExpectationVerb;
  @ApiProperty({ ...NAME, example: 'NEMO_WORKLOAD' }) object_type!: string;
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: MAX_OBSERVATION_PERIOD,
    example: 60,
    description: 'Seconds.',
  })
  observation_period!: number;
  @ApiProperty({
    enum: PREEMPTION_CAPABILITIES,
    enumName: 'IntentPreemptionCapability',
    example: 'FALSE',
  })
  intent_preemption_capability!: PreemptionCapability;
  @ApiProperty({ type: [TemplateTargetResponse], maxItems: MAX_TARGETS })
  targets!: TemplateTargetResponse[];
}

export class IntentTemplateList {
  @ApiProperty({ ...ID_SCHEMA, example: 1, description: 'Version of the template catalog.' })
  version!: number;
  @ApiProperty({ type: [IntentTemplateResponse], maxItems: MAX_CATALOG_ENTRIES })
  items!: IntentTemplateResponse[];
}

function toTemplateResponse(
  catalog: TemplateCatalog,
  template: IntentTemplate,
): IntentTemplateResponse {
  return {
    user_label: template.user_label,
    description: template.description,
    expectation_verb: template.expectation_verb,
    object_type: template.object_type,
    observation_period: template.observation_period,
    intent_preemption_capability: template.intent_preemption_capability,
    targets: template.targets.map((target) => {
      // parseCatalog guarantees every template target exists for the template's object type.
      const spec = findTargetSpec(catalog, template.object_type, target.target_name)!;
      return {
        target_name: spec.target_name,
        description: spec.description,
        value_type: spec.value_type,
        unit: spec.unit,
        minimum: spec.minimum ?? null,
        maximum: spec.maximum ?? null,
        allowed_conditions: spec.allowed_conditions,
        default_condition: target.default_condition,
        default_value_range: target.default_value_range ?? null,
      };
    }),
  };
}

export function toTemplateList(catalog: TemplateCatalog): IntentTemplateList {
  return {
    version: catalog.version,
    items: catalog.templates.map((t) => toTemplateResponse(catalog, t)),
  };
}
