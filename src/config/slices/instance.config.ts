import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { toInt } from '../setting-decorators';

/** The Instance module besides rendering: values and the optional status-report queue. */
export class InstanceConfig {
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(4 * 1024 * 1024)
  INSTANCE_VALUES_MAX_BYTES = 256 * 1024;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._:-]{1,200}$/, { message: 'must be a RabbitMQ queue name' })
  INSTANCE_STATUS_QUEUE?: string;
}
