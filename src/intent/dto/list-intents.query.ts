import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { FULFILMENT_STATUSES, type FulfilmentStatus } from '../../contract';
import { PageQuery } from '../../common/pagination/pagination';
import { NAME_MAX_LENGTH, OBJECT_INSTANCE_MAX_LENGTH } from './create-intent.dto';

export class ListIntentsQuery extends PageQuery {
  @ApiPropertyOptional({
    description: 'Only intents with this user_label (exact match).',
    example: 'FederatedLearning',
    minLength: 1,
    maxLength: NAME_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(NAME_MAX_LENGTH)
  user_label?: string;

  @ApiPropertyOptional({
    description: 'Only intents with an expectation about this object instance.',
    example: 'e4708935-c65b-4159-9c81-8e33524ca1e7',
    minLength: 1,
    maxLength: OBJECT_INSTANCE_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(OBJECT_INSTANCE_MAX_LENGTH)
  object_instance?: string;

  @ApiPropertyOptional({
    enum: FULFILMENT_STATUSES,
    enumName: 'FulfilmentStatus',
    description: 'Only intents whose intent-level fulfilment_status is this.',
  })
  @IsOptional()
  @IsIn(FULFILMENT_STATUSES)
  fulfilment_status?: FulfilmentStatus;
}
