import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { toInt } from '../setting-decorators';

/** The most INTENT_MAX_CONFLICT_REPORTS may be: the `maxItems` OpenAPI declares for the list. */
export const MAX_INTENT_CONFLICT_REPORTS = 1000;

/** The Intent module: fulfilment report history, conflict reports. */
export class IntentConfig {
  /** How long each received intent fulfilment report stays in the intent's history. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(87_600)
  INTENT_REPORT_RETENTION_HOURS = 720;

  /**
   * Conflict reports one intent may hold (each names another intent its targets contradict): a
   * change that would give any intent more is refused (409 conflict_reports_full).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(MAX_INTENT_CONFLICT_REPORTS)
  INTENT_MAX_CONFLICT_REPORTS = MAX_INTENT_CONFLICT_REPORTS;
}
