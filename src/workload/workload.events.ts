import type { UploadEvent } from '../contract';
import type { WorkloadDocument } from './entities/workload-document.entity';

/**
 * The events of workload documents, built where both roles may import them: the api publishes
 * `upload` on registration changes, the worker when onboarding ends.
 */

/** The `upload` event of a status change: exactly the seed's fields, in the seed's order. */
export function uploadEvent(document: WorkloadDocument): UploadEvent {
  if (document.status === 'pending') throw new Error('pending documents have no upload event');
  return {
    id: document.id,
    name: document.name,
    version: document.version,
    type: 'chart',
    status: document.status,
  };
}
