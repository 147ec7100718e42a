import { ApiProperty } from '@nestjs/swagger';
import type * as Wire from '../../events/payloads';
import {
  CONDITIONS,
  EXPECTATION_VERBS,
  FEASIBILITY_CHECK_TYPES,
  FULFILMENT_STATUSES,
  NOT_FULFILLED_STATES,
  PREEMPTION_CAPABILITIES,
} from '../intent.enums';
import { ACHIEVED_VALUE_SCHEMA, VALUE_RANGE_SCHEMA } from './value-range.validator';

/*
 * OpenAPI shapes of the intent object. Each class implements the wire type of `payloads.ts`, so
 * the document cannot drift from what the API and the events send. Examples are the seed's.
 */

export class ContextResponse implements Wire.Context {
  @ApiProperty({ example: 3 }) id!: number;
  @ApiProperty({ example: 'timeOfDay' }) context_attribute!: string;
  @ApiProperty({ enum: CONDITIONS, enumName: 'Condition' }) context_condition!: Wire.Condition;
  @ApiProperty({ ...VALUE_RANGE_SCHEMA, example: [8, 18] }) context_value_range!: Wire.ValueRange;
}

export class ExpectationObjectResponse implements Wire.ExpectationObject {
  @ApiProperty({ example: 25 }) id!: number;
  @ApiProperty({ example: 'NEMO_WORKLOAD' }) object_type!: string;
  @ApiProperty({ example: 'e4708935-c65b-4159-9c81-8e33524ca1e7' }) object_instance!: string;
  @ApiProperty({ type: String, nullable: true, example: null }) context_selectivity!: string | null;
  @ApiProperty({ type: [ContextResponse] }) object_contexts!: ContextResponse[];
}

export class ExpectationTargetResponse implements Wire.ExpectationTarget {
  @ApiProperty({ example: 58 }) id!: number;
  @ApiProperty({ example: 'clusterType' }) target_name!: string;
  @ApiProperty({ enum: CONDITIONS, enumName: 'Condition', example: 'IS_EQUAL_TO' })
  target_condition!: Wire.Condition;
  @ApiProperty({ ...VALUE_RANGE_SCHEMA, example: 'FederatedLearning' })
  target_value_range!: Wire.ValueRange;
  @ApiProperty({ type: [ContextResponse] }) target_contexts!: ContextResponse[];
}

export class IntentExpectationResponse implements Wire.IntentExpectation {
  @ApiProperty({ example: 24 }) id!: number;
  @ApiProperty({ example: '1' }) expectation_id!: string;
  @ApiProperty({ enum: EXPECTATION_VERBS, enumName: 'ExpectationVerb', example: 'DELIVER' })
  expectation_verb!: Wire.ExpectationVerb;
  @ApiProperty({ type: ExpectationObjectResponse }) expectation_object!: ExpectationObjectResponse;
  @ApiProperty({ type: [ExpectationTargetResponse] })
  expectation_targets!: ExpectationTargetResponse[];
  @ApiProperty({ type: [ContextResponse] }) expectation_contexts!: ContextResponse[];
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
    example: 'ACKNOWLEDGED',
  })
  not_fulfilled_state!: Wire.NotFulfilledState | null;
  @ApiProperty({ type: [String], example: [] }) not_fulfilled_reasons!: string[];
}

export class TargetFulfilmentResultResponse implements Wire.TargetFulfilmentResult {
  @ApiProperty({ type: 'integer', example: 58, description: 'Id of the expectation target.' })
  target!: number;
  @ApiProperty({ ...ACHIEVED_VALUE_SCHEMA, example: null })
  target_achieved_value!: Wire.ValueRange | null;
  @ApiProperty({ type: FulfilmentInfoResponse }) target_fulfilment_info!: FulfilmentInfoResponse;
}

export class ExpectationFulfilmentResultResponse implements Wire.ExpectationFulfilmentResult {
  @ApiProperty({ type: FulfilmentInfoResponse })
  expectation_fulfilment_info!: FulfilmentInfoResponse;
  @ApiProperty({ example: 24, description: 'Id of the intent expectation.' })
  expectation_id!: number;
  @ApiProperty({ type: [TargetFulfilmentResultResponse] })
  target_fulfilment_results!: TargetFulfilmentResultResponse[];
}

export class IntentFulfilmentReportResponse implements Wire.IntentFulfilmentReport {
  @ApiProperty({ example: 16 }) id!: number;
  @ApiProperty({ type: FulfilmentInfoResponse }) intent_fulfilment_info!: FulfilmentInfoResponse;
  @ApiProperty({ type: [ExpectationFulfilmentResultResponse] })
  expectation_fulfilment_results!: ExpectationFulfilmentResultResponse[];
}

export class IntentFeasibilityCheckReportResponse implements Wire.IntentFeasibilityCheckReport {
  @ApiProperty({ example: 14 }) id!: number;
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

export class IntentReportResponse implements Wire.IntentReport {
  @ApiProperty({ example: 16 }) id!: number;
  @ApiProperty({ type: IntentFulfilmentReportResponse })
  intent_fulfilment_report!: IntentFulfilmentReportResponse;
  @ApiProperty({ type: IntentFeasibilityCheckReportResponse, nullable: true })
  intent_feasibility_check_report!: IntentFeasibilityCheckReportResponse | null;
  @ApiProperty({
    example: '2024-07-09T14:17:36.590890Z',
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$',
    description: 'ISO-8601 UTC with microseconds.',
  })
  last_updated_time!: string;
}

/** The full TS 28.312 intent object: the same JSON as the `intent-notify` event body. */
export class IntentResponse implements Wire.IntentObject {
  @ApiProperty({ example: 28 }) id!: number;
  @ApiProperty({ example: 'FederatedLearning' }) user_label!: string;
  @ApiProperty({
    enum: PREEMPTION_CAPABILITIES,
    enumName: 'IntentPreemptionCapability',
    example: 'FALSE',
  })
  intent_preemption_capability!: 'TRUE' | 'FALSE';
  @ApiProperty({ type: 'integer', example: 60, description: 'Seconds.' })
  observation_period!: number;
  @ApiProperty({ type: [IntentExpectationResponse] })
  intent_expectations!: IntentExpectationResponse[];
  @ApiProperty({ type: IntentReportResponse }) intent_report_reference!: IntentReportResponse;
  @ApiProperty({ type: [ContextResponse] }) intent_contexts!: ContextResponse[];
}
