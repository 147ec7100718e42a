import { Transform } from 'class-transformer';
import { IsInt, Min } from 'class-validator';
import { toInt } from '../setting-decorators';

/** How a process of either role stops (main.ts). */
export class ProcessConfig {
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  SHUTDOWN_TIMEOUT_MS = 25000;
}
