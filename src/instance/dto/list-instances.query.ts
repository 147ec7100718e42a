import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { isCanonicalId } from '../../common/http/parse-id.pipe';
import { PageQuery } from '../../common/pagination/pagination';
import { DNS_SUBDOMAIN_MAX_LENGTH, ID_SCHEMA } from '../../common/validation/bounds';
import type { InstanceStatus } from '../../events/payloads';
import { INSTANCE_STATUSES } from '../instance-status';

export class ListInstancesQuery extends PageQuery {
  @ApiPropertyOptional({ ...ID_SCHEMA, description: 'Only instances of this workload document.' })
  @IsOptional()
  // Only the canonical decimal form becomes a number; anything else stays text and fails IsInt.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && isCanonicalId(value) ? Number(value) : value,
  )
  @IsInt()
  @Min(ID_SCHEMA.minimum)
  @Max(ID_SCHEMA.maximum)
  workload_document_id?: number;

  @ApiPropertyOptional({ enum: INSTANCE_STATUSES, enumName: 'InstanceStatus' })
  @IsOptional()
  @IsIn(INSTANCE_STATUSES)
  status?: InstanceStatus;

  @ApiPropertyOptional({ example: 'k3s-cluster', maxLength: DNS_SUBDOMAIN_MAX_LENGTH })
  @IsOptional()
  @IsString()
  @MaxLength(DNS_SUBDOMAIN_MAX_LENGTH)
  cluster_name?: string;
}
