import { DeleteEvent, IntentNotifyEvent, RunEvent, UploadEvent } from './payloads';

export const EVENTS_EXCHANGE = 'nemo.api.workload';

/** Routing key → payload type. The queue bound to each key has the key's name. */
export interface EventMap {
  upload: UploadEvent;
  run: RunEvent;
  'intent-notify': IntentNotifyEvent;
  delete: DeleteEvent;
}

export type RoutingKey = keyof EventMap;

export const ROUTING_KEYS: readonly RoutingKey[] = ['upload', 'run', 'intent-notify', 'delete'];

/** The state change an event belongs to; events of one aggregate are published in order. */
export interface Aggregate {
  type: 'workload_document' | 'workload_instance' | 'intent';
  id: string | number;
}
