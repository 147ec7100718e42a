import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { toInt } from '../setting-decorators';

/** The Intent module: fulfilment report history. */
export class IntentConfig {
  /** How long each received intent fulfilment report stays in the intent's history. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(87_600)
  INTENT_REPORT_RETENTION_HOURS = 720;
}
