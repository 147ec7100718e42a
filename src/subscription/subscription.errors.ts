import { ConflictError } from '../common/errors/domain-error';

export function subscriptionLimitReached(limit: number): ConflictError {
  return new ConflictError(
    'subscription_limit_reached',
    `the tenant already has ${limit} subscriptions (SUBSCRIPTION_MAX_PER_TENANT): delete one first`,
  );
}
