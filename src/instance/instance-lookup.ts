import { EntityManager } from 'typeorm';
import { Principal, tenantScope } from '../auth/principal';
import { NotFoundError } from '../common/errors/domain-error';
import { leanFindOne } from '../database/lean-find';
import { WorkloadInstance } from './entities/workload-instance.entity';

/** The caller's instance (any tenant's for admins); unknown and foreign ids answer alike, 404. */
export async function findOwnedInstance(
  manager: EntityManager,
  principal: Principal,
  instanceId: string,
): Promise<WorkloadInstance> {
  const instance = await leanFindOne(manager, WorkloadInstance, {
    instanceId,
    ...tenantScope(principal),
  });
  if (!instance) throw new NotFoundError('instance', instanceId);
  return instance;
}

/** The instance row locked for the rest of the transaction (`FOR UPDATE`), or 404. */
export async function lockInstance(
  manager: EntityManager,
  instanceId: string,
  scope: { tenant?: string },
): Promise<WorkloadInstance> {
  const instance = await manager.findOne(WorkloadInstance, {
    where: { instanceId, ...scope },
    lock: { mode: 'pessimistic_write' },
  });
  if (!instance) throw new NotFoundError('instance', instanceId);
  return instance;
}
