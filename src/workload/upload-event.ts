import type { UploadEvent } from '../events/payloads';
import type { WorkloadDocument } from './entities/workload-document.entity';

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
