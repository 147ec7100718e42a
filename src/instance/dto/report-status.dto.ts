import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { REPORTED_STATUSES, ReportedStatus } from '../instance-status';

/** Feedback from the meta-Orchestrator about one instance (REST body and status-queue message). */
export class ReportStatusDto {
  @ApiProperty({ enum: REPORTED_STATUSES, enumName: 'ReportedInstanceStatus', example: 'deployed' })
  @IsIn(REPORTED_STATUSES)
  status!: ReportedStatus;

  @ApiPropertyOptional({
    example: 'k3s-cluster',
    maxLength: 253,
    description: 'The cluster the instance runs on; kept until another report changes it.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  @Matches(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, {
    message: '$property must be a cluster name',
  })
  cluster_name?: string;

  @ApiPropertyOptional({ example: 'ImagePullBackOff on container app', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}
