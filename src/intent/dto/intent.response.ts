import { ApiProperty } from '@nestjs/swagger';
import type * as Wire from '../../contract';
import {
  CONDITIONS,
  CONFLICT_TYPES,
  EXPECTATION_VERBS,
  FEASIBILITY_CHECK_TYPES,
  FULFILMENT_STATUSES,
  INTENT_ADMIN_STATES,
  NOT_FULFILLED_STATES,
  PREEMPTION_CAPABILITIES,
} from '../../contract';
import { ID_SCHEMA, longestOf } from '../../common/validation/bounds';
import { MAX_INTENT_CONFLICT_REPORTS } from '../../config/slices/intent.config';
import {
  EXPECTATION_ID_MAX_LENGTH,
  MAX_CONTEXTS,
  MAX_EXPECTATIONS,
  MAX_OBSERVATION_PERIOD,
  MAX_TARGETS,
  NAME_MAX_LENGTH,
  OBJECT_INSTANCE_MAX_LENGTH,
} from './create-intent.dto';
import { formatMicroTimestamp } from '../domain/timestamp';
import type { IntentReportEntry } from '../entities';
import { MAX_OBSERVATIONS } from './report-fulfilment.dto';
import { ACHIEVED_VALUE_SCHEMA, VALUE_RANGE_SCHEMA } from './value-range.validator';

/** At most INTENT_MAX_CONFLICT_REPORTS per intent (IntentService refuses a change that would add more). */
export const MAX_CONFLICT_REPORTS = MAX_INTENT_CONFLICT_REPORTS;

const NAME = { minLength: 1, maxLength: NAME_MAX_LENGTH };

/*
 * OpenAPI shapes of the intent object. Each class implements the wire type of `contract/payloads.ts`, so
 * the document cannot drift from what the API and the events send. Examples are the seed's.
 */

export class ContextResponse implements Wire.Context {
  @ApiProperty({ ...ID_SCHEMA, example: 3 }) id!: number;
  @ApiProperty({ ...NAME, example: 'timeOfDay' }) context_attribute!: string;
  @ApiProperty({ enum: CONDITIONS, enumName: 'Condition' }) context_condition!: Wire.Condition;
  @ApiProperty({ ...VALUE_RANGE_SCHEMA, example: [8, 18] }) context_value_range!: Wire.ValueRange;
}

export class ExpectationObjectResponse implements Wire.ExpectationObject {
  @ApiProperty({ ...ID_SCHEMA, example: 25 }) id!: number;
  @ApiProperty({ ...NAME, example: 'NEMO_WORKLOAD' }) object_type!: string;
  @ApiProperty({
    minLength: 1,
    maxLength: OBJECT_INSTANCE_MAX_LENGTH,
    example: 'e4708935-c65b-4159-9c81-8e33524ca1e7',
  })
  object_instance!: string;
  @ApiProperty({ type: String, nullable: true, maxLength: NAME_MAX_LENGTH, example: null })
  context_selectivity!: string | null;
  @ApiProperty({ type: [ContextResponse], maxItems: MAX_CONTEXTS })
  object_contexts!: ContextResponse[];
}

export class ExpectationTargetResponse implements Wire.ExpectationTarget {
  @ApiProperty({ ...ID_SCHEMA, example: 58 }) id!: number;
  @ApiProperty({ ...NAME, example: 'clusterType' }) target_name!: string;
  @ApiProperty({ enum: CONDITIONS, enumName: 'Condition', example: 'IS_EQUAL_TO' })
  target_condition!: Wire.Condition;
  @ApiProperty({ ...VALUE_RANGE_SCHEMA, example: 'FederatedLearning' })
  target_value_range!: Wire.ValueRange;
  @ApiProperty({ type: [ContextResponse], maxItems: MAX_CONTEXTS })
  target_contexts!: ContextResponse[];
}

export class IntentExpectationResponse implements Wire.IntentExpectation {
  @ApiProperty({ ...ID_SCHEMA, example: 24 }) id!: number;
  @ApiProperty({ minLength: 1, maxLength: EXPECTATION_ID_MAX_LENGTH, example: '1' })
  expectation_id!: string;
  @ApiProperty({ enum: EXPECTATION_VERBS, enumName: 'ExpectationVerb', example: 'DELIVER' })
  expectation_verb!: Wire.ExpectationVerb;
  @ApiProperty({ type: ExpectationObjectResponse }) expectation_object!: ExpectationObjectResponse;
  @ApiProperty({ type: [ExpectationTargetResponse], maxItems: MAX_TARGETS })
  expectation_targets!: ExpectationTargetResponse[];
  @ApiProperty({ type: [ContextResponse], maxItems: MAX_CONTEXTS })
  expectation_contexts!: ContextResponse[];
}

export class FulfilmentInfoResponse implements Wire.FulfilmentInfo {
  @ApiProperty({
    enum: FULFILMENT_STATUSES,
    enumName: 'FulfilmentStatus',
    example: 'NOT_FULFILLED',
  })
  fulfilment_status!: Wire.FulfilmentStatus;
  @ApiProperty({
    enum: NOT_FULFILLED_STATES,
    enumName: 'NotFulfilledState',
    nullable: true,
    maxLength: longestOf(NOT_FULFILLED_STATES),
    example: 'ACKNOWLEDGED',
  })
  not_fulfilled_state!: Wire.NotFulfilledState | null;
  @ApiProperty({ type: [String], example: [] }) not_fulfilled_reasons!: string[];
}

export class TargetFulfilmentResultResponse implements Wire.TargetFulfilmentResult {
  @ApiProperty({ ...ID_SCHEMA, example: 58, description: 'Id of the expectation target.' })
  target!: number;
  @ApiProperty({ ...ACHIEVED_VALUE_SCHEMA, example: null })
  target_achieved_value!: Wire.ValueRange | null;
  @ApiProperty({ type: FulfilmentInfoResponse }) target_fulfilment_info!: FulfilmentInfoResponse;
}

export class ExpectationFulfilmentResultResponse implements Wire.ExpectationFulfilmentResult {
  @ApiProperty({ type: FulfilmentInfoResponse })
  expectation_fulfilment_info!: FulfilmentInfoResponse;
  @ApiProperty({ ...ID_SCHEMA, example: 24, description: 'Id of the intent expectation.' })
  expectation_id!: number;
  @ApiProperty({ type: [TargetFulfilmentResultResponse], maxItems: MAX_TARGETS })
  target_fulfilment_results!: TargetFulfilmentResultResponse[];
}

export class ReportedValueResponse {
  @ApiProperty({ ...ID_SCHEMA, example: 58, description: 'Id of the expectation target.' })
  target!: number;
  @ApiProperty({ ...ACHIEVED_VALUE_SCHEMA, example: 12.5 })
  target_achieved_value!: Wire.ValueRange | null;
}

export class IntentFulfilmentReportResponse implements Wire.IntentFulfilmentReport {
  @ApiProperty({ ...ID_SCHEMA, example: 16 }) id!: number;
  @ApiProperty({ type: FulfilmentInfoResponse }) intent_fulfilment_info!: FulfilmentInfoResponse;
  @ApiProperty({ type: [ExpectationFulfilmentResultResponse], maxItems: MAX_EXPECTATIONS })
  expectation_fulfilment_results!: ExpectationFulfilmentResultResponse[];
}

export class IntentFeasibilityCheckReportResponse implements Wire.IntentFeasibilityCheckReport {
  @ApiProperty({ ...ID_SCHEMA, example: 14 }) id!: number;
  @ApiProperty({
    enum: FEASIBILITY_CHECK_TYPES,
    enumName: 'FeasibilityCheckType',
    example: 'FEASIBLE',
  })
  feasibility_check_type!: Wire.FeasibilityCheckType;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'Every reason the check found, joined with "; " (null when FEASIBLE).',
  })
  infeasibility_reason!: string | null;
}

/** Describes conflicts and solutions: sentences built from targets, bounded by them. */
const CONFLICT_TEXT_MAX_LENGTH = 8192;

export class IntentConflictReportResponse implements Wire.IntentConflictReport {
  @ApiProperty({ ...ID_SCHEMA, example: 3 }) id!: number;
  @ApiProperty({
    enum: CONFLICT_TYPES,
    enumName: 'ConflictType',
    example: 'TARGET_CONFLICT',
    description:
      'TARGET_CONFLICT: a target of each intent cannot hold together; INTENT_CONFLICT: only several ' +
      'targets together cannot hold.',
  })
  conflict_type!: Wire.ConflictType;
  @ApiProperty({ ...ID_SCHEMA, example: 12, description: 'Id of the other intent.' })
  conflicting_intent!: number;
  @ApiProperty({
    maxLength: CONFLICT_TEXT_MAX_LENGTH,
    example:
      'cpuUsage IS_GREATER_THAN 50 contradicts intent 12: cpuUsage IS_LESS_THAN 20 on NEMO_WORKLOAD e4708935-c65b-4159-9c81-8e33524ca1e7',
  })
  conflict_description!: string;
  @ApiProperty({
    maxLength: CONFLICT_TEXT_MAX_LENGTH,
    example:
      'Change the targets of this intent so that they can hold together with those of intent 12, or deactivate or delete intent 12, then PATCH this intent to check it again.',
  })
  recommended_solution!: string;
}

export class IntentReportResponse implements Wire.IntentReport {
  @ApiProperty({ ...ID_SCHEMA, example: 16 }) id!: number;
  @ApiProperty({ type: IntentFulfilmentReportResponse })
  intent_fulfilment_report!: IntentFulfilmentReportResponse;
  @ApiProperty({ type: IntentFeasibilityCheckReportResponse, nullable: true })
  intent_feasibility_check_report!: IntentFeasibilityCheckReportResponse | null;
  @ApiProperty({
    example: '2024-07-09T14:17:36.590890Z',
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$',
    maxLength: 27,
    description: 'ISO-8601 UTC with microseconds.',
  })
  last_updated_time!: string;
  @ApiProperty({
    type: [IntentConflictReportResponse],
    maxItems: MAX_CONFLICT_REPORTS,
    description:
      'Other active intents on the same object whose targets cannot hold together with this one (TS 28.312 ' +
      'intentConflictReports): found by the feasibility check of either intent, shown on both, removed from both ' +
      'when either changes, is deactivated or is deleted. At most INTENT_MAX_CONFLICT_REPORTS.',
  })
  intent_conflict_reports!: IntentConflictReportResponse[];
}

/** The full TS 28.312 intent object: the same JSON as the `intent-notify` event body. */
export class IntentResponse implements Wire.IntentObject {
  @ApiProperty({ ...ID_SCHEMA, example: 28 }) id!: number;
  @ApiProperty({ ...NAME, example: 'FederatedLearning' }) user_label!: string;
  @ApiProperty({
    enum: PREEMPTION_CAPABILITIES,
    enumName: 'IntentPreemptionCapability',
    example: 'FALSE',
  })
  intent_preemption_capability!: Wire.PreemptionCapability;
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: MAX_OBSERVATION_PERIOD,
    example: 60,
    description: 'Seconds.',
  })
  observation_period!: number;
  @ApiProperty({ type: [IntentExpectationResponse], maxItems: MAX_EXPECTATIONS })
  intent_expectations!: IntentExpectationResponse[];
  @ApiProperty({ type: IntentReportResponse }) intent_report_reference!: IntentReportResponse;
  @ApiProperty({ type: [ContextResponse], maxItems: MAX_CONTEXTS })
  intent_contexts!: ContextResponse[];
  @ApiProperty({
    enum: INTENT_ADMIN_STATES,
    enumName: 'IntentAdminState',
    example: 'ACTIVATED',
    description: 'TS 28.312 intentAdminState: DEACTIVATED while suspended.',
  })
  intent_admin_state!: Wire.IntentAdminState;
}

/** One received fulfilment report (`PUT /intents/{id}/report`) with the report it led to. */
export class IntentReportEntryResponse {
  @ApiProperty({ ...ID_SCHEMA, example: 431 }) id!: number;
  @ApiProperty({
    example: '2024-07-09T14:17:36.590890Z',
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$',
    maxLength: 27,
    description:
      'ISO-8601 UTC with microseconds: when the values were received (their observation time).',
  })
  last_updated_time!: string;
  @ApiProperty({
    enum: INTENT_ADMIN_STATES,
    enumName: 'IntentAdminState',
    example: 'ACTIVATED',
    description:
      'The admin state then: DEACTIVATED values were kept but did not change fulfilment.',
  })
  intent_admin_state!: Wire.IntentAdminState;
  @ApiProperty({
    type: [ReportedValueResponse],
    maxItems: MAX_OBSERVATIONS,
    description: 'The values as reported.',
  })
  target_fulfilment_results!: ReportedValueResponse[];
  @ApiProperty({
    type: IntentFulfilmentReportResponse,
    description: 'The fulfilment report after these values (unchanged while DEACTIVATED).',
  })
  intent_fulfilment_report!: IntentFulfilmentReportResponse;
}

export function toReportEntryResponse(entry: IntentReportEntry): IntentReportEntryResponse {
  return {
    id: Number(entry.id),
    last_updated_time: formatMicroTimestamp(entry.recordedAtMicros),
    intent_admin_state: entry.adminState,
    target_fulfilment_results: entry.observations,
    intent_fulfilment_report: entry.fulfilmentReport,
  };
}
