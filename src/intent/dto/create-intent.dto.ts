import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
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
  EXPECTATION_VERBS,
  type ExpectationVerb,
  INTENT_ADMIN_STATES,
  type IntentAdminState,
  PREEMPTION_CAPABILITIES,
  PreemptionCapability,
  type ValueRange,
} from '../../contract';
import { IsValueRange, VALUE_RANGE_SCHEMA } from './value-range.validator';

export const MAX_EXPECTATIONS = 16;
export const MAX_TARGETS = 32;
export const MAX_CONTEXTS = 16;
export const MAX_OBSERVATION_PERIOD = 31_536_000;

/** Labels and names of an intent (user_label, object_type, target_name, context_attribute). */
export const NAME_MAX_LENGTH = 128;
export const USER_LABEL_MAX_LENGTH = NAME_MAX_LENGTH;
/** object_instance: an instance_id, or another object's identifier. */
export const OBJECT_INSTANCE_MAX_LENGTH = 256;
export const EXPECTATION_ID_MAX_LENGTH = 64;

const NAME = { minLength: 1, maxLength: NAME_MAX_LENGTH };

/** `{context_attribute, context_condition, context_value_range}` at any level of an intent. */
export class ContextDto {
  @ApiProperty({ example: 'timeOfDay', ...NAME })
  @IsString()
  @MinLength(1)
  @MaxLength(NAME_MAX_LENGTH)
  context_attribute!: string;

  @ApiProperty({ enum: CONDITIONS, enumName: 'Condition', example: 'IS_WITHIN_RANGE' })
  @IsIn(CONDITIONS)
  context_condition!: Condition;

  @ApiProperty({ ...VALUE_RANGE_SCHEMA, example: [8, 18] })
  @IsValueRange()
  context_value_range!: ValueRange;
}

/** An optional list of contexts (intent, expectation, object or target level). */
const Contexts = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ type: [ContextDto], maxItems: MAX_CONTEXTS, default: [] }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_CONTEXTS),
    ValidateNested({ each: true }),
    Type(() => ContextDto),
  );

export class ExpectationObjectDto {
  @ApiProperty({
    example: 'NEMO_WORKLOAD',
    ...NAME,
    description: 'Object type from the template catalog.',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(NAME_MAX_LENGTH)
  object_type!: string;

  @ApiPropertyOptional({
    example: 'e4708935-c65b-4159-9c81-8e33524ca1e7',
    minLength: 1,
    maxLength: OBJECT_INSTANCE_MAX_LENGTH,
    description:
      'The object the expectation is about (for NEMO_WORKLOAD: the instance_id). Required, except inside a ' +
      'workload instance request, where the instance fills it in.',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(OBJECT_INSTANCE_MAX_LENGTH)
  object_instance?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: NAME_MAX_LENGTH, example: null })
  @IsOptional()
  @IsString()
  @MaxLength(NAME_MAX_LENGTH)
  context_selectivity?: string | null;

  @Contexts()
  object_contexts?: ContextDto[];
}

export class ExpectationTargetDto {
  @ApiProperty({
    example: 'cpuUsage',
    ...NAME,
    description: 'A target of the object type (see intent templates).',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(NAME_MAX_LENGTH)
  target_name!: string;

  @ApiProperty({ enum: CONDITIONS, enumName: 'Condition', example: 'IS_LESS_THAN' })
  @IsIn(CONDITIONS)
  target_condition!: Condition;

  @ApiProperty({
    ...VALUE_RANGE_SCHEMA,
    example: 20,
    description:
      'A number, a string, or a list: [lower, upper] for the range conditions, the members for ONE_OF.',
  })
  @IsValueRange()
  target_value_range!: ValueRange;

  @Contexts()
  target_contexts?: ContextDto[];
}

export class IntentExpectationDto {
  @ApiPropertyOptional({
    example: '1',
    minLength: 1,
    maxLength: EXPECTATION_ID_MAX_LENGTH,
    description:
      'Label of the expectation, unique within the intent. Default: its position, from "1".',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(EXPECTATION_ID_MAX_LENGTH)
  expectation_id?: string;

  @ApiProperty({ enum: EXPECTATION_VERBS, enumName: 'ExpectationVerb', example: 'DELIVER' })
  @IsIn(EXPECTATION_VERBS)
  expectation_verb!: ExpectationVerb;

  @ApiProperty({ type: ExpectationObjectDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ExpectationObjectDto)
  expectation_object!: ExpectationObjectDto;

  @ApiProperty({ type: [ExpectationTargetDto], minItems: 1, maxItems: MAX_TARGETS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_TARGETS)
  @ValidateNested({ each: true })
  @Type(() => ExpectationTargetDto)
  expectation_targets!: ExpectationTargetDto[];

  @Contexts()
  expectation_contexts?: ContextDto[];
}

/** A TS 28.312 intent as a client writes it: no ids, no report (both are the server's). */
export class CreateIntentDto {
  @ApiProperty({ example: 'FederatedLearning', ...NAME })
  @IsString()
  @MinLength(1)
  @MaxLength(NAME_MAX_LENGTH)
  user_label!: string;

  @ApiPropertyOptional({
    enum: PREEMPTION_CAPABILITIES,
    enumName: 'IntentPreemptionCapability',
    default: 'FALSE',
  })
  @IsOptional()
  @IsIn(PREEMPTION_CAPABILITIES)
  intent_preemption_capability?: PreemptionCapability;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: MAX_OBSERVATION_PERIOD,
    default: 60,
    description: 'Seconds.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_OBSERVATION_PERIOD)
  observation_period?: number;

  @ApiProperty({ type: [IntentExpectationDto], minItems: 1, maxItems: MAX_EXPECTATIONS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_EXPECTATIONS)
  @ValidateNested({ each: true })
  @Type(() => IntentExpectationDto)
  intent_expectations!: IntentExpectationDto[];

  @Contexts()
  intent_contexts?: ContextDto[];

  @ApiPropertyOptional({
    enum: INTENT_ADMIN_STATES,
    enumName: 'IntentAdminState',
    default: 'ACTIVATED',
    description:
      'TS 28.312 intentAdminState. DEACTIVATED suspends the intent: its data is kept, its fulfilment reads ' +
      'NOT_FULFILLED/SUSPENDED, it takes no part in contradiction checks, and reports sent for it are kept ' +
      'in its history without changing fulfilment. Setting ACTIVATED again (resume) re-runs the feasibility ' +
      'check and re-judges fulfilment over the observation window; a FEASIBLE resume publishes `intent-notify`.',
  })
  @IsOptional()
  @IsIn(INTENT_ADMIN_STATES)
  intent_admin_state?: IntentAdminState;
}
