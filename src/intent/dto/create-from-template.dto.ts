import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  type Condition,
  CONDITIONS,
  PREEMPTION_CAPABILITIES,
  PreemptionCapability,
  type ValueRange,
} from '../../contract';
import {
  MAX_OBSERVATION_PERIOD,
  MAX_TARGETS,
  NAME_MAX_LENGTH,
  OBJECT_INSTANCE_MAX_LENGTH,
} from './create-intent.dto';
import { IsValueRange, VALUE_RANGE_SCHEMA } from './value-range.validator';

export class TemplateTargetParamDto {
  @ApiProperty({
    example: 'cpuUsage',
    minLength: 1,
    maxLength: NAME_MAX_LENGTH,
    description: 'One of the template targets.',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(NAME_MAX_LENGTH)
  target_name!: string;

  @ApiPropertyOptional({
    enum: CONDITIONS,
    enumName: 'Condition',
    description: "Default: the template's default condition for this target.",
  })
  @IsOptional()
  @IsIn(CONDITIONS)
  target_condition?: Condition;

  @ApiPropertyOptional({
    ...VALUE_RANGE_SCHEMA,
    example: 20,
    description: "Default: the template's default value, where it has one.",
  })
  @IsOptional()
  @IsValueRange()
  target_value_range?: ValueRange;
}

/** The few parameters that turn a template into a full intent. */
export class CreateIntentFromTemplateDto {
  @ApiProperty({
    example: '936623ae-8969-4d73-8c04-527d1cb815ac',
    minLength: 1,
    maxLength: OBJECT_INSTANCE_MAX_LENGTH,
    description: 'The object the intent is about (for NEMO_WORKLOAD: the instance_id).',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(OBJECT_INSTANCE_MAX_LENGTH)
  object_instance!: string;

  @ApiPropertyOptional({
    type: [TemplateTargetParamDto],
    minItems: 1,
    maxItems: MAX_TARGETS,
    description: 'Targets to set. Default: every template target that has a default value.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_TARGETS)
  @ValidateNested({ each: true })
  @Type(() => TemplateTargetParamDto)
  targets?: TemplateTargetParamDto[];

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: MAX_OBSERVATION_PERIOD,
    description: "Seconds. Default: the template's.",
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_OBSERVATION_PERIOD)
  observation_period?: number;

  @ApiPropertyOptional({ enum: PREEMPTION_CAPABILITIES, enumName: 'IntentPreemptionCapability' })
  @IsOptional()
  @IsIn(PREEMPTION_CAPABILITIES)
  intent_preemption_capability?: PreemptionCapability;
}
