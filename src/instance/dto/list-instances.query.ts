import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../../common/pagination/pagination';
import type { InstanceStatus } from '../../events/payloads';
import { INSTANCE_STATUSES } from '../instance-status';

export class ListInstancesQuery extends PageQuery {
  @ApiPropertyOptional({ minimum: 1, description: 'Only instances of this workload document.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  workload_document_id?: number;

  @ApiPropertyOptional({ enum: INSTANCE_STATUSES, enumName: 'InstanceStatus' })
  @IsOptional()
  @IsIn(INSTANCE_STATUSES)
  status?: InstanceStatus;

  @ApiPropertyOptional({ example: 'k3s-cluster', maxLength: 253 })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  cluster_name?: string;
}
