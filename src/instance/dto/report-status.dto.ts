import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { DESCRIPTION_MAX_LENGTH, DNS_SUBDOMAIN_MAX_LENGTH } from '../../common/validation/bounds';
import { REPORTED_STATUSES, ReportedStatus } from '../instance-status';

/** A cluster name as the meta-Orchestrator reports it. */
const CLUSTER_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Feedback from the meta-Orchestrator about one instance (REST body and status-queue message). */
export class ReportStatusDto {
  @ApiProperty({ enum: REPORTED_STATUSES, enumName: 'ReportedInstanceStatus', example: 'deployed' })
  @IsIn(REPORTED_STATUSES)
  status!: ReportedStatus;

  @ApiPropertyOptional({
    example: 'k3s-cluster',
    maxLength: DNS_SUBDOMAIN_MAX_LENGTH,
    pattern: CLUSTER_NAME.source,
    description: 'The cluster the instance runs on; kept until another report changes it.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(DNS_SUBDOMAIN_MAX_LENGTH)
  @Matches(CLUSTER_NAME, {
    message: '$property must be a cluster name',
  })
  cluster_name?: string;

  @ApiPropertyOptional({
    example: 'ImagePullBackOff on container app',
    maxLength: DESCRIPTION_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxLength(DESCRIPTION_MAX_LENGTH)
  reason?: string;
}
