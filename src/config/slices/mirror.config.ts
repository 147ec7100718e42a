import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, Matches, Max, Min } from 'class-validator';
import { toBoolean, toInt, IsEgressAllowList } from '../setting-decorators';

/** Image mirroring at onboarding: outbound connections for images a tenant names (README "Outbound connections (SSRF)"), budgets and retries. */
export class MirrorConfig {
  @IsEgressAllowList()
  IMAGE_SOURCE_ALLOW_PRIVATE = '';

  @Matches(/^([A-Za-z0-9.-]+(:\d{1,5})?(,\s*[A-Za-z0-9.-]+(:\d{1,5})?)*)?$/, {
    message: 'must be a comma-separated list of host[:port]',
  })
  IMAGE_REALM_CREDENTIAL_HOSTS = '';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  IMAGE_MAX_PER_CHART = 100;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  IMAGE_MIRROR_TIMEOUT_MS = 5 * 60 * 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  MIRROR_PARALLELISM = 4;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(20)
  MIRROR_RETRIES = 3;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  MIRROR_RETRY_BACKOFF_MS = 1000;

  @Transform(toBoolean)
  @IsBoolean()
  MIRROR_SKIP_EXISTING = true;
}
