import { HttpConfig } from './slices/http.config';
import { LogConfig } from './slices/log.config';
import { ProcessConfig } from './slices/process.config';
import { WorkDirConfig } from './slices/work-dir.config';
import { DatabaseConfig } from './slices/database.config';
import { RedisConfig } from './slices/redis.config';
import { EventsConfig } from './slices/events.config';
import { HealthConfig } from './slices/health.config';
import { IntentConfig } from './slices/intent.config';
import { S3Config } from './slices/s3.config';
import { S3CredentialsConfig } from './slices/s3-credentials.config';
import { HelmRepositoryConfig } from './slices/helm-repository.config';
import { HelmConfig } from './slices/helm.config';
import { SkopeoConfig } from './slices/skopeo.config';
import { RegistryConfig } from './slices/registry.config';
import { MirrorConfig } from './slices/mirror.config';
import { OnboardingConfig } from './slices/onboarding.config';
import { RenderConfig } from './slices/render.config';
import { InstanceConfig } from './slices/instance.config';
import { IngressConfig } from './slices/ingress.config';
import { AuthConfig } from './slices/auth.config';
import { SubscriptionConfig } from './slices/subscription.config';

/**
 * Every configuration slice, by the name tests override it under (`startApi({ render: {...} })`).
 * Each setting belongs to exactly one slice; consumers inject the slice classes they read.
 */
export const CONFIG_SLICES = {
  http: HttpConfig,
  log: LogConfig,
  process: ProcessConfig,
  workDir: WorkDirConfig,
  database: DatabaseConfig,
  redis: RedisConfig,
  events: EventsConfig,
  health: HealthConfig,
  intent: IntentConfig,
  s3: S3Config,
  s3Credentials: S3CredentialsConfig,
  helmRepository: HelmRepositoryConfig,
  helm: HelmConfig,
  skopeo: SkopeoConfig,
  registry: RegistryConfig,
  mirror: MirrorConfig,
  onboarding: OnboardingConfig,
  render: RenderConfig,
  instance: InstanceConfig,
  ingress: IngressConfig,
  auth: AuthConfig,
  subscription: SubscriptionConfig,
} as const;

export type SliceName = keyof typeof CONFIG_SLICES;

/** One validated, frozen instance of every slice. */
export type ConfigSlices = { readonly [K in SliceName]: InstanceType<(typeof CONFIG_SLICES)[K]> };
