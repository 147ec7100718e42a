import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IdQueryField } from '../../common/http/id';
import { PageQuery } from '../../common/pagination/pagination';
import { DNS_SUBDOMAIN_MAX_LENGTH } from '../../common/validation/bounds';
import { INSTANCE_STATUSES, type InstanceStatus } from '../../contract';

export class ListInstancesQuery extends PageQuery {
  @IdQueryField('Only instances of this workload document.')
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
