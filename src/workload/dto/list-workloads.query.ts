import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/pagination/pagination';
import { DNS_LABEL_MAX_LENGTH } from '../../common/validation/bounds';
import { WORKLOAD_STATUSES, WorkloadStatus } from '../../contract';
import { WORKLOAD_TYPES, WorkloadType } from '../entities/workload-document.entity';

export const WORKLOAD_SORT_FIELDS = [
  'created_at',
  'updated_at',
  'name',
  'version',
  'status',
  'id',
] as const;
export type WorkloadSortField = (typeof WORKLOAD_SORT_FIELDS)[number];

export class ListWorkloadsQuery extends PageQuery {
  @ApiPropertyOptional({
    example: 'echo-server',
    maxLength: DNS_LABEL_MAX_LENGTH,
    description: 'Exact chart name.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(DNS_LABEL_MAX_LENGTH)
  name?: string;

  @ApiPropertyOptional({ enum: WORKLOAD_STATUSES, enumName: 'WorkloadStatus' })
  @IsOptional()
  @IsIn(WORKLOAD_STATUSES)
  status?: WorkloadStatus;

  @ApiPropertyOptional({ enum: WORKLOAD_TYPES, enumName: 'WorkloadType' })
  @IsOptional()
  @IsIn(WORKLOAD_TYPES)
  type?: WorkloadType;

  @ApiPropertyOptional({
    enum: WORKLOAD_SORT_FIELDS,
    enumName: 'WorkloadSortField',
    default: 'created_at',
    description: 'Field to sort by; the direction is `order`. Ties are broken by id.',
  })
  @IsOptional()
  @IsIn(WORKLOAD_SORT_FIELDS)
  sort: WorkloadSortField = 'created_at';
}
