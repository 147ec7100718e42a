import { objectChange, ObjectChange } from '../../subscription/subscription-events';
import type { WorkloadInstance } from '../entities/workload-instance.entity';

/** What webhook subscribers of `instance.status.changed` get as `data`: the lifecycle fields only. */
export interface InstanceStatusChange {
  id: number;
  instance_id: string;
  status: string;
  status_reason: string | null;
  cluster_name: string | null;
  revision: number;
  updated_at: string;
}

export function toStatusChange(instance: WorkloadInstance): InstanceStatusChange {
  return {
    id: instance.id,
    instance_id: instance.instanceId,
    status: instance.status,
    status_reason: instance.statusReason,
    cluster_name: instance.clusterName,
    revision: instance.revision,
    updated_at: instance.updatedAt.toISOString(),
  };
}

/** The `instance.status.changed` webhook event of the instance as it is now. */
export function statusChangeEvent(instance: WorkloadInstance): ObjectChange {
  return objectChange(
    'instance.status.changed',
    instance.tenant,
    instance.instanceId,
    toStatusChange(instance),
  );
}
