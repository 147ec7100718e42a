import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';

const toBoolean = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

const URL_OPTIONS = { require_tld: false, require_protocol: true };

/**
 * Every setting the service reads, validated once at start-up. Names follow the seed README where it
 * names them (AWS_*, HELM_REPOSITORY_*); the README's configuration table documents each one.
 */
export class AppConfig {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @IsString()
  HOST = '127.0.0.1';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'must look like 1mb, 512kb or 1048576b' })
  HTTP_BODY_LIMIT = '1mb';

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  SHUTDOWN_TIMEOUT_MS = 25000;

  @IsUrl({ ...URL_OPTIONS, protocols: ['postgres', 'postgresql'] })
  DATABASE_URL!: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  @IsUrl({ ...URL_OPTIONS, protocols: ['redis', 'rediss'] })
  REDIS_URL!: string;

  @Matches(/^[A-Za-z0-9_-]{1,40}$/, { message: 'must be 1-40 of [A-Za-z0-9_-]' })
  QUEUE_PREFIX = 'nemo';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  WORKER_CONCURRENCY = 4;

  @IsUrl({ ...URL_OPTIONS, protocols: ['amqp', 'amqps'] })
  RABBITMQ_URL!: string;

  @Transform(toBoolean)
  @IsBoolean()
  READYZ_REQUIRE_BROKER = true;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(5000)
  OUTBOX_BATCH_SIZE = 500;

  @Transform(toInt)
  @IsInt()
  @Min(5)
  OUTBOX_POLL_INTERVAL_MS = 20;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  OUTBOX_PARTITIONS = 4;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  OUTBOX_RETENTION_HOURS = 72;

  @IsUrl(URL_OPTIONS)
  AWS_ENDPOINT!: string;

  @IsString()
  @MinLength(1)
  AWS_ACCESS_KEY_ID!: string;

  @IsString()
  @MinLength(1)
  AWS_SECRET_ACCESS_KEY!: string;

  @IsString()
  AWS_DEFAULT_REGION = 'us-east-1';

  @Matches(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._\-/]*)?$/, {
    message: 'must be an s3:// bucket path such as s3://nemo/charts',
  })
  HELM_REPOSITORY_BUCKET!: string;

  @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'must be a lowercase name' })
  HELM_REPOSITORY_NAME = 'nemo';

  @IsOptional()
  @IsUrl(URL_OPTIONS)
  HELM_REPOSITORY_PUBLIC_URL?: string;

  @Transform(toBoolean)
  @IsBoolean()
  AWS_S3_FORCE_PATH_STYLE = true;

  @Matches(/^[A-Za-z0-9.-]+(:\d+)?(\/[a-z0-9._\-/]+)?$/, {
    message: 'must be host[:port][/path] of the NEMO OCI registry',
  })
  REGISTRY_HOST!: string;

  @IsOptional()
  @IsString()
  REGISTRY_USERNAME?: string;

  @IsOptional()
  @IsString()
  REGISTRY_PASSWORD?: string;

  @Transform(toBoolean)
  @IsBoolean()
  REGISTRY_TLS_VERIFY = true;

  @Transform(toBoolean)
  @IsBoolean()
  SOURCE_REGISTRY_TLS_VERIFY = true;

  @IsString()
  HELM_BIN = 'helm';

  @IsString()
  SKOPEO_BIN = 'skopeo';

  @IsString()
  WORK_DIR = '/tmp/nemo-intent-api';

  @Transform(toBoolean)
  @IsBoolean()
  METRICS_PUBLIC = true;
}

export function formatConfigErrors(errors: ValidationError[]): string {
  const lines = errors.map((error) => {
    const reasons = Object.values(error.constraints ?? {}).join('; ');
    const shown = error.value === undefined ? 'missing' : 'invalid';
    return `  ${error.property} (${shown}): ${reasons}`;
  });
  return `Invalid configuration:\n${lines.join('\n')}`;
}

/** Used by ConfigModule.forRoot({ validate }): throws one message naming every bad variable. */
export function validateConfig(raw: Record<string, unknown>): AppConfig {
  const defined = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
  const config = plainToInstance(AppConfig, defined, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) throw new Error(formatConfigErrors(errors));
  return config;
}
