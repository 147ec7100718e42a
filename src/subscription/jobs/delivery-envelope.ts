import { CloudEvent, HTTP } from 'cloudevents';
import { CLOUDEVENT_TYPE_PREFIX, objectFamily, SubscriptionEvent } from '../subscription-events';
import { DELIVERY_HEADER, signBody, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../signature';

/** The CloudEvents `source` of each object family: the collection the object lives in. */
const SOURCES: Record<string, string> = {
  intent: '/api/v1/intents',
  instance: '/api/v1/instances',
  workload: '/api/v1/workloads',
};

export interface EnvelopeInput {
  eventId: string;
  eventType: SubscriptionEvent;
  subject: string;
  data: string;
  eventTime: Date;
  deliveryId: string;
  attempt: number;
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/**
 * One attempt's request: a structured-mode CloudEvents 1.0 JSON body whose extensions carry the
 * delivery id and the send time, so the signature over the raw body covers both (a replayed body
 * keeps its old `nemosentat`; receivers refuse old ones and delivery ids they have seen).
 */
export function signedRequest(
  input: EnvelopeInput,
  secret: string,
  sentAt: Date,
  userAgent: string,
): SignedRequest {
  const event = new CloudEvent({
    specversion: '1.0',
    id: input.eventId,
    type: CLOUDEVENT_TYPE_PREFIX + input.eventType,
    source: SOURCES[objectFamily(input.eventType)],
    subject: input.subject,
    time: input.eventTime.toISOString(),
    datacontenttype: 'application/json',
    data: JSON.parse(input.data) as object,
    nemodelivery: input.deliveryId,
    nemosentat: sentAt.toISOString(),
    nemoattempt: input.attempt,
  });
  const message = HTTP.structured(event);
  const body = String(message.body);
  return {
    body,
    headers: {
      'content-type': 'application/cloudevents+json; charset=utf-8',
      'user-agent': userAgent,
      [SIGNATURE_HEADER]: signBody(secret, body),
      [DELIVERY_HEADER]: input.deliveryId,
      [TIMESTAMP_HEADER]: String(Math.floor(sentAt.getTime() / 1000)),
    },
  };
}
