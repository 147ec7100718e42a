import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { ID_SCHEMA } from '../../common/validation/bounds';
import type { AchievedValue } from '../domain/fulfilment';
import { ACHIEVED_VALUE_SCHEMA, IsAchievedValue } from './value-range.validator';

export const MAX_OBSERVATIONS = 512;

/** One observed value: the target's database id and what was measured (null clears it). */
export class TargetObservationDto {
  @ApiProperty({
    ...ID_SCHEMA,
    example: 58,
    description: 'Id of an expectation target of this intent.',
  })
  @IsInt()
  @Min(ID_SCHEMA.minimum)
  @Max(ID_SCHEMA.maximum)
  target!: number;

  @ApiProperty({ ...ACHIEVED_VALUE_SCHEMA, example: 12.5 })
  @IsAchievedValue()
  target_achieved_value!: AchievedValue;
}

/**
 * Observed values per target. Targets not listed keep their last observed value; the API computes
 * each target's, expectation's and the intent's fulfilment from all of them.
 */
export class ReportFulfilmentDto {
  @ApiProperty({ type: [TargetObservationDto], minItems: 1, maxItems: MAX_OBSERVATIONS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_OBSERVATIONS)
  @ValidateNested({ each: true })
  @Type(() => TargetObservationDto)
  target_fulfilment_results!: TargetObservationDto[];
}
