import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { toInt, IsEgressAllowList } from '../setting-decorators';

/** The Subscription module: signed webhook deliveries (README "Subscriptions"). */
export class SubscriptionConfig {
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
}
