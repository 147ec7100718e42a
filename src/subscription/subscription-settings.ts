import { SubscriptionConfig } from '../config/slices/subscription.config';
import { EgressPolicy, parseEgressAllowList } from '../common/egress/egress-policy';

/** The Subscription module's slice of the configuration (README "Subscriptions"). */
export interface SubscriptionSettings {
  egress: EgressPolicy;
  timeoutMs: number;
  maxBodyBytes: number;
  concurrency: number;
  concurrencyPerSubscription: number;
  retryBaseMs: number;
  retryMaxMs: number;
  pauseAfterFailures: number;
  pollIntervalMs: number;
  maxPerTenant: number;
}

export const SUBSCRIPTION_SETTINGS = Symbol('SUBSCRIPTION_SETTINGS');

export function subscriptionSettings(config: SubscriptionConfig): SubscriptionSettings {
  return {
    egress: parseEgressAllowList(config.SUBSCRIPTION_ALLOW_PRIVATE),
    timeoutMs: config.SUBSCRIPTION_TIMEOUT_MS,
    maxBodyBytes: config.SUBSCRIPTION_MAX_BODY_BYTES,
    concurrency: config.SUBSCRIPTION_CONCURRENCY,
    concurrencyPerSubscription: config.SUBSCRIPTION_CONCURRENCY_PER_SUBSCRIPTION,
    retryBaseMs: config.SUBSCRIPTION_RETRY_BASE_MS,
    retryMaxMs: config.SUBSCRIPTION_RETRY_MAX_MS,
    pauseAfterFailures: config.SUBSCRIPTION_PAUSE_AFTER_FAILURES,
    pollIntervalMs: config.SUBSCRIPTION_POLL_INTERVAL_MS,
    maxPerTenant: config.SUBSCRIPTION_MAX_PER_TENANT,
  };
}
