import type { EntityManager } from 'typeorm';
import type { Principal } from '../../src/auth/principal';
import type { ClusterRenderProfile, ClusterService } from '../../src/cluster/cluster.service';
import type { IntentObject } from '../../src/contract';
import { INTENT_NOTIFY_MESSAGE } from '../../src/contract';
import type { CreateIntentDto } from '../../src/intent/dto/create-intent.dto';
import type { IntentService } from '../../src/intent/intent.service';
import { InstanceRevision } from '../../src/instance/entities/instance-revision.entity';
import type {
  InstanceRenderer,
  InstanceRenderRequest,
  RenderedInstance,
} from '../../src/instance/rendering/instance-renderer';
import type { NewRevision, RevisionStore } from '../../src/instance/revisions/revision-store';
import type { InstantiableWorkload, WorkloadService } from '../../src/workload/workload.service';
import { WorkloadNotAcceptedError } from '../../src/workload/workload.errors';

/** An accepted chart of tenant-a, ready to render. */
export function acceptedWorkload(
  overrides: Partial<InstantiableWorkload> = {},
): InstantiableWorkload {
  return {
    id: 9,
    name: 'echo-server',
    version: '0.5.5',
    ingressSupport: true,
    tenant: 'tenant-a',
    imageMirrors: [],
    chartDigest: 'a'.repeat(64),
    renderPolicy: { allowedKinds: [], podSecurity: null },
    rendersDeterministic: true,
    ...overrides,
  };
}

/** WorkloadService as instances see it: the accepted documents by id (others are 409, as there). */
export class MemoryWorkloads implements Pick<
  WorkloadService,
  'findInstantiable' | 'registerDeletionBlocker'
> {
  readonly accepted = new Map<number, InstantiableWorkload>([[9, acceptedWorkload()]]);
  readonly lookups: number[] = [];

  async findInstantiable(_principal: Principal, id: number): Promise<InstantiableWorkload> {
    this.lookups.push(id);
    const workload = this.accepted.get(id);
    if (!workload) throw new WorkloadNotAcceptedError(id, 'pending');
    return workload;
  }

  registerDeletionBlocker(): void {}
}

/**
 * InstanceRenderer answering a fixed render (one Deployment) unless `answer` is replaced; every
 * request is kept. `hold()` makes renders wait until `release()`, so a test can line up races.
 */
export class ScriptedRenderer implements Pick<InstanceRenderer, 'render'> {
  readonly requests: InstanceRenderRequest[] = [];
  answer: (request: InstanceRenderRequest) => Promise<RenderedInstance> = async (request) => ({
    manifests: [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: request.releaseName } },
    ],
    exposedUrls: [],
    kubeVersion: null,
    imageLock: [],
  });
  private gate: Promise<void> | null = null;
  private open: () => void = () => undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open();
    this.gate = null;
  }

  async render(request: InstanceRenderRequest): Promise<RenderedInstance> {
    this.requests.push(request);
    if (this.gate) await this.gate;
    return this.answer(request);
  }
}

/** RevisionStore's writes through the caller's manager (so they roll back with it). */
export class MemoryRevisions implements Pick<RevisionStore, 'append' | 'markStatus'> {
  async append(
    manager: EntityManager,
    revision: NewRevision,
    manifests: unknown,
  ): Promise<InstanceRevision> {
    const digest = JSON.stringify(manifests).length.toString(16);
    return manager.save(
      manager.create(InstanceRevision, {
        ...revision,
        manifestsDigest: digest,
        valuesDigest: digest,
      }),
    );
  }

  async markStatus(
    manager: EntityManager,
    instanceDbId: number,
    revision: number,
    status: InstanceRevision['status'],
  ): Promise<void> {
    await manager.update(InstanceRevision, { instanceDbId, revision }, { status });
  }
}

/** ClusterService.findRenderProfile over a map of profiles. */
export class MemoryClusters implements Pick<ClusterService, 'findRenderProfile'> {
  readonly profiles = new Map<string, ClusterRenderProfile>();

  async findRenderProfile(name: string | null | undefined) {
    return name ? this.profiles.get(name) : undefined;
  }
}

/** An intent IntentService created inside a transaction: kept only when that transaction commits. */
export class IntentRecord {
  id?: number;
  objectInstance!: string;
  intent!: IntentObject;
}

/**
 * IntentService as instances see it. Inline intents are written through the caller's manager (they
 * roll back with the instance); `refuse` makes creation fail (an invalid or refused intent);
 * deactivations are recorded per instance, through the manager too.
 */
export class MemoryIntents implements Pick<
  IntentService,
  | 'createWithinTransaction'
  | 'findByObjectInstance'
  | 'findByObjectInstances'
  | 'deactivateForDeletedInstance'
  | 'registerObjectResolver'
> {
  refuse: Error | null = null;
  deactivationFailure: Error | null = null;
  readonly deactivated: string[] = [];

  constructor(private readonly rows: () => IntentRecord[]) {}

  async createWithinTransaction(
    manager: EntityManager,
    _principal: Principal,
    bodies: CreateIntentDto[],
  ): Promise<IntentObject[]> {
    if (this.refuse) throw this.refuse;
    const created: IntentObject[] = [];
    for (const body of bodies) {
      const objectInstance = body.intent_expectations[0].expectation_object.object_instance ?? '';
      const record = await manager.save(
        Object.assign(new IntentRecord(), {
          objectInstance,
          intent: { ...INTENT_NOTIFY_MESSAGE, user_label: body.user_label },
        }),
      );
      const intent = { ...record.intent, id: record.id ?? 0 };
      created.push(intent);
    }
    return created;
  }

  async findByObjectInstance(_principal: Principal, objectInstance: string) {
    return this.rows()
      .filter((row) => row.objectInstance === objectInstance)
      .map((row) => ({ ...row.intent, id: row.id ?? 0 }));
  }

  async findByObjectInstances(_principal: Principal, objectInstances: readonly string[]) {
    const found = new Map<string, IntentObject[]>();
    for (const instance of objectInstances)
      found.set(instance, await this.findByObjectInstance(_principal, instance));
    return found;
  }

  async deactivateForDeletedInstance(
    _manager: EntityManager,
    _objectType: string,
    instanceId: string,
  ): Promise<number[]> {
    if (this.deactivationFailure) throw this.deactivationFailure;
    this.deactivated.push(instanceId);
    return [];
  }

  registerObjectResolver(): void {}
}
