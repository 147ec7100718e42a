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
  ValidateBy,
  ValidateIf,
  ValidationError,
} from 'class-validator';
import { NotDevModeInProduction } from '../auth/auth-mode.validator';
import { IsTrustProxy } from '../common/http/trust-proxy';
import { egressAllowListProblem } from '../infra/egress/egress-policy';
import { CORS_ORIGINS_PATTERN } from '../common/http/cors';
import {
  DEFAULT_HOST_TEMPLATE,
  HOST_PLACEHOLDERS,
  HOST_TEMPLATE_PATTERN,
} from '../ingress/host-template';

const toBoolean = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/** The most INTENT_MAX_CONFLICT_REPORTS may be: the `maxItems` OpenAPI declares for the list. */
export const MAX_INTENT_CONFLICT_REPORTS = 1000;

const URL_OPTIONS = { require_tld: false, require_protocol: true };

const IsEgressAllowList = (): PropertyDecorator =>
  ValidateBy({
    name: 'isEgressAllowList',
    validator: {
      validate: (value) => typeof value === 'string' && !egressAllowListProblem(value),
      defaultMessage: (args) =>
        `must be a comma-separated list of CIDRs, addresses or host names, each with an optional :port (${egressAllowListProblem(String(args?.value))})`,
    },
  });

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

  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'must look like 1mb, 512kb or 1048576b' })
  HTTP_BODY_LIMIT = '1mb';

  /** Whose X-Forwarded-For names the client (logs, rate limits): nobody's by default. */
  @IsTrustProxy()
  HTTP_TRUST_PROXY = '';

  /** Browser origins allowed to call the API (CORS), comma-separated, or `*`; empty: none. */
  @Matches(CORS_ORIGINS_PATTERN, {
    message: 'must be empty, * or comma-separated origins such as https://app.example.eu',
  })
  CORS_ALLOWED_ORIGINS = '';

  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(256)
  HTTP_JSON_MAX_DEPTH = 32;

  @Transform(toInt)
  @IsInt()
  @Min(16)
  @Max(1_000_000)
  HTTP_JSON_MAX_ELEMENTS = 2000;

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

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60000)
  DATABASE_CONNECT_TIMEOUT_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3600000)
  DATABASE_STATEMENT_TIMEOUT_MS = 30000;

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
  @Max(60000)
  OUTBOX_POLL_INTERVAL_MS = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(8)
  OUTBOX_RELAY_LOOPS = 2;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  OUTBOX_RETENTION_HOURS = 72;

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

  // --- Auth module (src/auth): bearer tokens, roles, tenancy, dev mode, rate limiting ---
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

  // Instance and Ingress modules: rendering, the render cache and the NEMO ingress.
  @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    message: 'must be a lowercase DNS name such as apps.example.eu',
  })
  INGRESS_DOMAIN = 'nemo.local';

  @Matches(HOST_TEMPLATE_PATTERN, {
    message: `must be lowercase host characters and placeholders {${HOST_PLACEHOLDERS.join('}, {')}}`,
  })
  INGRESS_HOST_TEMPLATE = DEFAULT_HOST_TEMPLATE;

  @Matches(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'must be an IngressClass name' })
  INGRESS_CLASS_NAME = 'nginx';

  @IsOptional()
  @Matches(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { message: 'must be a Secret name' })
  INGRESS_TLS_SECRET?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(4 * 1024 * 1024)
  INSTANCE_VALUES_MAX_BYTES = 256 * 1024;

  @Transform(toBoolean)
  @IsBoolean()
  RENDER_CACHE_ENABLED = true;

  /** Rendered images as `<mirror repository>@<digest recorded at onboarding>`, not by tag. */
  @Transform(toBoolean)
  @IsBoolean()
  RENDER_PIN_DIGESTS = true;

  @IsOptional()
  @IsString()
  RENDER_CACHE_DIR?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RENDER_CACHE_MAX_ENTRIES = 2000;

  @Transform(toInt)
  @IsInt()
  @Min(1024 * 1024)
  RENDER_CACHE_MAX_BYTES = 256 * 1024 * 1024;

  /** Rendered manifests (helm's output) of one instance; also the default-values render at onboarding. */
  @Transform(toInt)
  @IsInt()
  @Min(16 * 1024)
  @Max(64 * 1024 * 1024)
  INSTANCE_MANIFEST_MAX_BYTES = 1024 * 1024;

  /** The `run` event of one instance as sent (manifests, ingresses and intents as JSON). */
  @Transform(toInt)
  @IsInt()
  @Min(16 * 1024)
  @Max(128 * 1024 * 1024)
  RUN_EVENT_MAX_BYTES = 2 * 1024 * 1024;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._:-]{1,200}$/, { message: 'must be a RabbitMQ queue name' })
  INSTANCE_STATUS_QUEUE?: string;

  // Render policy (src/instance/rendering/render-policy.ts): what a rendered instance may contain.
  @IsIn(['baseline', 'restricted'])
  RENDER_POLICY_POD_SECURITY: 'baseline' | 'restricted' = 'baseline';

  @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(,[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    message: 'must be comma-separated namespace names such as kube-system,kube-public',
  })
  RENDER_POLICY_SYSTEM_NAMESPACES = 'kube-system,kube-public,kube-node-lease';

  // --- Workload and HelmRepo modules (src/workload, src/helm-repo): upload, onboarding, mirroring ---
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024 * 1024)
  WORKLOAD_PACKAGE_MAX_BYTES = 10 * 1024 * 1024;

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
  @Min(1000)
  HELM_TIMEOUT_MS = 60000;

  @Transform(toInt)
  @IsInt()
  @Min(64 * 1024)
  HELM_MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

  /** RLIMIT_DATA of every helm process (0: none); helm itself needs ~50–200 MB for real charts. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  HELM_MEMORY_LIMIT_BYTES = 512 * 1024 * 1024;

  @IsString()
  PRLIMIT_BIN = 'prlimit';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  HELM_MAX_PROCESSES = 4;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  SKOPEO_TIMEOUT_MS = 5 * 60 * 1000;

  // Outbound connections for images a tenant names (README "Outbound connections (SSRF)").
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  IMAGE_MIRROR_TIMEOUT_MS = 5 * 60 * 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  IMAGE_MAX_PER_CHART = 100;

  @IsEgressAllowList()
  IMAGE_SOURCE_ALLOW_PRIVATE = '';

  @Matches(/^([A-Za-z0-9.-]+(:\d{1,5})?(,\s*[A-Za-z0-9.-]+(:\d{1,5})?)*)?$/, {
    message: 'must be a comma-separated list of host[:port]',
  })
  IMAGE_REALM_CREDENTIAL_HOSTS = '';

  @Matches(/^([a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*)?$/, {
    message: 'must be a registry repository path such as nemo/mirror (or empty)',
  })
  REGISTRY_MIRROR_PATH = 'mirror';

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

  @Transform(toInt)
  @IsInt()
  @Min(100)
  REGISTRY_HTTP_TIMEOUT_MS = 15000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60000)
  REGISTRY_CONNECT_TIMEOUT_MS = 3000;

  @IsOptional()
  @IsString()
  SOURCE_REGISTRY_AUTH_FILE?: string;

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

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024)
  HELM_INDEX_ENTRY_MAX_BYTES = 32 * 1024;

  @IsIn(['both', 'conditional', 'lock'])
  HELM_INDEX_WRITE_MODE: 'both' | 'conditional' | 'lock' = 'both';

  @IsIn(['relative', 'http', 's3'])
  HELM_REPOSITORY_CHART_URLS: 'relative' | 'http' | 's3' = 'relative';

  // Workload onboarding: passing helm lint/template verdicts stored per package digest and helm
  // build (table chart_validation), reused when identical bytes are onboarded again.
  @Transform(toBoolean)
  @IsBoolean()
  CHART_VALIDATION_CACHE_ENABLED = true;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  CHART_VALIDATION_CACHE_TTL_DAYS = 30;

  // --- Subscription module (src/subscription): signed webhook deliveries (README "Subscriptions") ---
  /** Private, loopback or link-local callback destinations allowed (egress allow list syntax). */
  @IsEgressAllowList()
  SUBSCRIPTION_ALLOW_PRIVATE = '';

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60000)
  SUBSCRIPTION_TIMEOUT_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(4096)
  @Max(4 * 1024 * 1024)
  SUBSCRIPTION_MAX_BODY_BYTES = 256 * 1024;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  SUBSCRIPTION_CONCURRENCY = 32;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  SUBSCRIPTION_CONCURRENCY_PER_SUBSCRIPTION = 4;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(10 * 60 * 1000)
  SUBSCRIPTION_RETRY_BASE_MS = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(24 * 60 * 60 * 1000)
  SUBSCRIPTION_RETRY_MAX_MS = 10 * 60 * 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  SUBSCRIPTION_PAUSE_AFTER_FAILURES = 20;

  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(60000)
  SUBSCRIPTION_POLL_INTERVAL_MS = 200;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10000)
  SUBSCRIPTION_MAX_PER_TENANT = 100;

  // Chart provenance (`.prov` files of `helm package --sign`), checked with `helm verify`.
  @IsIn(['off', 'verify-if-present', 'required'])
  CHART_PROVENANCE: 'off' | 'verify-if-present' | 'required' = 'verify-if-present';

  /**
   * Public keys trusted to sign charts, as `gpg --export` writes them (binary keyring). Required
   * with `required`; without one, `verify-if-present` rejects every signed upload (it cannot check).
   */
  @ValidateIf(
    (config: AppConfig) => config.CHART_PROVENANCE === 'required' || !!config.CHART_KEYRING,
  )
  @IsString()
  @MinLength(1, { message: 'is required with CHART_PROVENANCE=required' })
  CHART_KEYRING?: string;
}

export function formatConfigErrors(errors: ValidationError[]): string {
  const lines = errors.map((error) => {
    const reasons = Object.values(error.constraints ?? {}).join('; ');
    const shown = error.value === undefined ? 'missing' : 'invalid';
    return `  ${error.property} (${shown}): ${reasons}`;
  });
  return `Invalid configuration:\n${lines.join('\n')}`;
}

/**
 * Builds AppConfig from the environment when an application is created (AppConfigModule); throws
 * one message naming every bad variable.
 */
export function validateConfig(raw: Record<string, unknown>): AppConfig {
  const defined = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== ''));
  const config = plainToInstance(AppConfig, defined, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) throw new Error(formatConfigErrors(errors));
  return config;
}
