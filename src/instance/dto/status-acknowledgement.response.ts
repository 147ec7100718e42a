import { ApiProperty } from '@nestjs/swagger';
import { TIMESTAMP_SCHEMA } from '../../common/validation/bounds';
import { INSTANCE_STATUSES, type InstanceStatus } from '../../contract';
import { WorkloadInstance } from '../entities/workload-instance.entity';

/**
 * The answer to a status report on another tenant's instance (a platform service reporting for
 * every tenant): that the report was applied, and nothing of the instance the reporter did not send.
 */
export class InstanceStatusAcknowledgement {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: '936623ae-8969-4d73-8c04-527d1cb815ac' })
  instance_id!: string;

  @ApiProperty({ enum: INSTANCE_STATUSES, enumName: 'InstanceStatus', example: 'deployed' })
  status!: InstanceStatus;

  @ApiProperty({ ...TIMESTAMP_SCHEMA, description: 'When the report was recorded.' })
  updated_at!: string;
}

export function toStatusAcknowledgement(instance: WorkloadInstance): InstanceStatusAcknowledgement {
  return {
    instance_id: instance.instanceId,
    status: instance.status,
    updated_at: instance.updatedAt.toISOString(),
  };
}
