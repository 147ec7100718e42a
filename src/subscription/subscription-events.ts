/**
 * What a webhook subscriber can hear about. The CloudEvents `type` of each is `eu.nemo.<event>`;
 * `subject` is the id of the object the event is about (ordering is per subject and event family).
 */
export const SUBSCRIPTION_EVENTS = [
  'intent.created',
  'intent.changed',
  'intent.deleted',
  'intent.report.changed',
  'instance.status.changed',
  'workload.onboarding.finished',
] as const;

export type SubscriptionEvent = (typeof SUBSCRIPTION_EVENTS)[number];

export const CLOUDEVENT_TYPE_PREFIX = 'eu.nemo.';

/** The family an event orders within: every intent event of intent 28 is delivered in order. */
export function objectFamily(event: SubscriptionEvent): string {
  return event.split('.', 1)[0];
}

/**
 * A change other modules report, inside their transaction: who owns the object, which object, and
 * the JSON the subscribers get as CloudEvents `data`.
 */
export interface ObjectChange {
  event: SubscriptionEvent;
  tenant: string;
  subject: string;
  data: object;
}

export function objectChange(
  event: SubscriptionEvent,
  tenant: string,
  subject: string | number,
  data: object,
): ObjectChange {
  return { event, tenant, subject: String(subject), data };
}
