import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { toBoolean, toInt, URL_OPTIONS } from '../setting-decorators';
import { NotDevModeInProduction } from '../dev-mode';

/** The Auth module: bearer tokens (OIDC or dev mode), roles, tenancy, rate limits and whether /metrics is public. */
export class AuthConfig {
  /** Here because only the dev-mode rule reads it: AUTH_MODE=dev is refused in production. */
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @Transform(toBoolean)
  @IsBoolean()
  METRICS_PUBLIC = true;

  @IsIn(['oidc', 'dev'])
  @NotDevModeInProduction()
  AUTH_MODE: 'oidc' | 'dev' = 'oidc';

  /** Required by the api role when AUTH_MODE=oidc (checked when it starts; the worker needs none). */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  OIDC_ISSUER_URL?: string;

  @IsOptional()
  @IsString()
  OIDC_AUDIENCE?: string;

  @IsOptional()
  @IsString()
  OIDC_CLIENT_ID?: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS)
  OIDC_JWKS_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  OIDC_CLOCK_TOLERANCE_SECONDS = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  OIDC_JWKS_CACHE_SECONDS = 600;

  /** How long a verified token is trusted without checking its signature again (0: never). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  AUTH_TOKEN_CACHE_SECONDS = 30;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  AUTH_TOKEN_CACHE_MAX_ENTRIES = 10000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  OIDC_JWKS_COOLDOWN_SECONDS = 30;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60000)
  OIDC_HTTP_TIMEOUT_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  OIDC_DISCOVERY_CACHE_SECONDS = 3600;

  /** After the provider failed: least time before it is asked again, and the 503's Retry-After. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(300)
  OIDC_RETRY_INTERVAL_SECONDS = 5;

  /** Longest accepted `exp` − `iat`; 0 accepts any lifetime (and tokens without `iat`). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  AUTH_MAX_TOKEN_LIFETIME_SECONDS = 86400;

  @IsString()
  @MinLength(1)
  AUTH_ROLE_CLAIMS = 'realm_access.roles,resource_access.{client_id}.roles';

  @IsString()
  @MinLength(1)
  AUTH_TENANT_CLAIM = 'tenant';

  @IsString()
  @MinLength(1)
  AUTH_ROLE_READER = 'nemo-reader';

  @IsString()
  @MinLength(1)
  AUTH_ROLE_WRITER = 'nemo-writer';

  @IsString()
  @MinLength(1)
  AUTH_ROLE_SERVICE = 'nemo-service';

  @IsString()
  @MinLength(1)
  AUTH_ROLE_ADMIN = 'nemo-admin';

  @IsString()
  @MinLength(1)
  AUTH_DEV_TOKEN_FILE = '.local/dev-token';

  @Transform(toInt)
  @IsInt()
  @Min(60)
  AUTH_DEV_TOKEN_TTL_SECONDS = 86400;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE = 600;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_BURST = 50;

  /**
   * How long a replica answers a client's requests from its own counts before it settles with
   * Redis again (0: ask Redis on every request).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  RATE_LIMIT_SYNC_MS = 100;

  /** Clients whose counts a replica keeps between syncs; the longest unsynced are dropped first. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_MAX_LOCAL_CLIENTS = 10000;
}
