import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsString, Max, Min, MinLength, ValidateIf } from 'class-validator';
import { toBoolean, toInt } from '../setting-decorators';

/** The Workload module: chart upload, the onboarding job and its worker, chart limits, stored verdicts and provenance. */
export class OnboardingConfig {
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  WORKLOAD_PACKAGE_MAX_BYTES = 10 * 1024 * 1024;

  // Uploads are read into memory whole: the bytes an api process reads at once (UploadBudget).
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  WORKLOAD_UPLOADS_MAX_BYTES = 64 * 1024 * 1024;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  WORKLOAD_UPLOADS_MAX_BYTES_PER_TENANT = 32 * 1024 * 1024;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY = 4;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  CHART_MAX_ENTRIES = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  CHART_MAX_UNPACKED_BYTES = 64 * 1024 * 1024;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(10 * 60 * 1000)
  CHART_READ_TIMEOUT_MS = 10000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  ONBOARDING_ATTEMPTS = 5;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  ONBOARDING_BACKOFF_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  ONBOARDING_SWEEP_INTERVAL_MS = 60000;

  // Stall recovery of the onboarding worker (BullMQ job lock and stalled check): the job of a
  // worker that died is handed to a live worker within about lock duration + stalled interval.
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(10 * 60 * 1000)
  ONBOARDING_LOCK_DURATION_MS = 30000;

  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(10 * 60 * 1000)
  ONBOARDING_STALLED_INTERVAL_MS = 30000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(20)
  ONBOARDING_MAX_STALLED_COUNT = 1;

  // Workload onboarding: passing helm lint/template verdicts stored per package digest and helm
  // build (table chart_validation), reused when identical bytes are onboarded again.
  @Transform(toBoolean)
  @IsBoolean()
  CHART_VALIDATION_CACHE_ENABLED = true;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  CHART_VALIDATION_CACHE_TTL_DAYS = 30;

  // Chart provenance (`.prov` files of `helm package --sign`), checked with `helm verify`.
  @IsIn(['off', 'verify-if-present', 'required'])
  CHART_PROVENANCE: 'off' | 'verify-if-present' | 'required' = 'verify-if-present';

  /**
   * Public keys trusted to sign charts, as `gpg --export` writes them (binary keyring). Required
   * with `required`; without one, `verify-if-present` rejects every signed upload (it cannot check).
   */
  @ValidateIf(
    (config: OnboardingConfig) => config.CHART_PROVENANCE === 'required' || !!config.CHART_KEYRING,
  )
  @IsString()
  @MinLength(1, { message: 'is required with CHART_PROVENANCE=required' })
  CHART_KEYRING?: string;
}
