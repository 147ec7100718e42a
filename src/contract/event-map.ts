import type { Static } from '@sinclair/typebox';
import { EVENT_PAYLOADS, schemaNameOf } from './payloads';

/** The seed's exchange: direct and durable; each routing key has a durable queue of its name. */
export const EVENTS_EXCHANGE = 'nemo.api.workload';
export const EVENTS_EXCHANGE_TYPE = 'direct';

export const ROUTING_KEYS = ['upload', 'run', 'intent-notify', 'delete'] as const;
export type RoutingKey = (typeof ROUTING_KEYS)[number];

/** Routing key → payload type, derived from the schemas the AsyncAPI document publishes. */
export type EventMap = {
  [K in RoutingKey]: Static<(typeof EVENT_PAYLOADS)[K]>;
};

/** The schema name (AsyncAPI `components.schemas`) of each routing key's payload. */
export const PAYLOAD_SCHEMA_OF = Object.fromEntries(
  ROUTING_KEYS.map((key) => [key, schemaNameOf(EVENT_PAYLOADS[key])]),
) as Record<RoutingKey, string>;
