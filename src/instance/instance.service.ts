import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, Not, QueryFailedError, Repository } from 'typeorm';
import { Principal, tenantScope } from '../auth/principal';
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  UnprocessableError,
} from '../common/errors/domain-error';
import { fetchPage } from '../common/pagination/keyset-page';
import { Page } from '../common/pagination/pagination';
import { AppConfig } from '../config/app-config';
import { OutboxService } from '../events/outbox.service';
import { IntentObject, KubernetesManifest, RunEvent } from '../events/payloads';
import { IngressExposure } from '../ingress/ingress-builder';
import { IngressService } from '../ingress/ingress.service';
import { CreateIntentDto } from '../intent/dto/create-intent.dto';
import { IntentService } from '../intent/intent.service';
import { WorkloadService } from '../workload/workload.service';
import { CreateInstanceDto } from './dto/create-instance.dto';
import { InstanceResponse, toInstanceResponse } from './dto/instance.response';
import { ListInstancesQuery } from './dto/list-instances.query';
import { ReportStatusDto } from './dto/report-status.dto';
import { WorkloadInstance } from './entities/workload-instance.entity';
import { allowedReports, canReport, deletionOutcome } from './instance-status';
import { rewriteImages } from './rendering/image-rewrite';
import { ManifestRenderer } from './rendering/manifest-renderer';

export const NEMO_WORKLOAD = 'NEMO_WORKLOAD';
const LIVE_RELEASE_INDEX = 'workload_instance_live_release';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Inline intents are about the new instance, whatever the client put in their expectation objects. */
export function bindIntentsToInstance(
  bodies: CreateIntentDto[],
  instanceId: string,
): CreateIntentDto[] {
  return bodies.map((body) => ({
    ...body,
    intent_expectations: body.intent_expectations.map((expectation) => ({
      ...expectation,
      expectation_object: {
        ...expectation.expectation_object,
        object_type: NEMO_WORKLOAD,
        object_instance: instanceId,
      },
    })),
  }));
}

export function toRunEvent(instance: WorkloadInstance, intents: IntentObject[]): RunEvent {
  return {
    id: instance.id,
    instance_id: instance.instanceId,
    workload_document_id: instance.workloadDocumentId,
    release_name: instance.releaseName,
    status: 'rendered',
    manifests: instance.manifests,
    cluster_name: instance.clusterName,
    intents,
  };
}

function isLiveReleaseConflict(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' && driverError.constraint === LIVE_RELEASE_INDEX;
}

function releaseTaken(releaseName: string): ConflictError {
  return new ConflictError(
    'release_name_taken',
    `a live instance named "${releaseName}" already exists in your tenant`,
    [{ field: 'release_name', reason: 'already used by a live instance' }],
  );
}

interface RenderedInstance {
  manifests: KubernetesManifest[];
  exposure: IngressExposure;
}

/**
 * Workload instances: render an accepted workload document (outside any transaction), then in one
 * transaction store the instance, create its inline intents and record the `run` event. Also the
 * lifecycle reported back by the meta-Orchestrator and deletion with a `delete` event.
 */
@Injectable()
export class InstanceService implements OnModuleInit {
  constructor(
    @InjectRepository(WorkloadInstance) private readonly instances: Repository<WorkloadInstance>,
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly workloads: WorkloadService,
    private readonly intents: IntentService,
    private readonly renderer: ManifestRenderer,
    private readonly ingress: IngressService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.workloads.registerDeletionBlocker(
      (workloadDocumentId) => this.countLive(workloadDocumentId),
      'live instances',
    );
    this.intents.registerObjectResolver(NEMO_WORKLOAD, (manager, principal, objectInstance) =>
      this.isOwnLiveInstance(manager, principal, objectInstance),
    );
  }

  async create(
    principal: Principal,
    workloadDocumentId: number,
    body: CreateInstanceDto,
  ): Promise<InstanceResponse> {
    const values = this.checkValues(body.values ?? {});
    const workload = await this.workloads.findInstantiable(principal, workloadDocumentId);
    const ingressEnabled = body.ingress_enabled ?? false;
    if (ingressEnabled && !workload.ingressSupport) {
      throw new UnprocessableError(
        'ingress_not_supported',
        `workload document ${workload.id} was not created with ingress_support, so it cannot be instantiated with ingress_enabled`,
        [{ field: 'ingress_enabled', reason: 'the workload document has no ingress_support' }],
      );
    }
    await this.ensureReleaseFree(principal.tenant, body.release_name);
    const instanceId = randomUUID();
    const rendered = await this.render(workload, instanceId, body, values, ingressEnabled);
    const intentBodies = bindIntentsToInstance(body.intents ?? [], instanceId);
    const { instance, intents } = await this.dataSource
      .transaction(async (manager) => {
        const instance = await manager.save(
          manager.create(WorkloadInstance, {
            instanceId,
            workloadDocumentId: workload.id,
            releaseName: body.release_name,
            namespace: body.namespace ?? null,
            values,
            ingressEnabled,
            status: 'rendered',
            statusReason: null,
            clusterName: null,
            manifests: rendered.manifests,
            exposedUrls: rendered.exposure.exposed.map((entry) => entry.url),
            owner: principal.subject,
            tenant: principal.tenant,
          }),
        );
        const intents =
          intentBodies.length > 0
            ? await this.intents.createWithinTransaction(manager, principal, intentBodies)
            : [];
        await this.outbox.add(manager, 'run', toRunEvent(instance, intents), {
          type: 'workload_instance',
          id: instance.instanceId,
        });
        return { instance, intents };
      })
      .catch((error: unknown) => {
        throw isLiveReleaseConflict(error) ? releaseTaken(body.release_name) : error;
      });
    return toInstanceResponse(instance, intents);
  }

  async list(principal: Principal, query: ListInstancesQuery): Promise<Page<InstanceResponse>> {
    const qb = this.instances.createQueryBuilder('instance');
    const { tenant } = tenantScope(principal);
    if (tenant !== undefined) qb.andWhere('instance.tenant = :tenant', { tenant });
    if (query.workload_document_id !== undefined) {
      qb.andWhere('instance.workload_document_id = :documentId', {
        documentId: query.workload_document_id,
      });
    }
    if (query.status !== undefined)
      qb.andWhere('instance.status = :status', { status: query.status });
    if (query.cluster_name !== undefined)
      qb.andWhere('instance.cluster_name = :clusterName', { clusterName: query.cluster_name });
    const { entities, meta } = await fetchPage(qb, query, {
      resource: 'instances',
      sort: { name: 'id', column: 'instance.id', type: 'integer' },
      id: 'instance.id',
      filters: {
        workload_document_id: query.workload_document_id,
        status: query.status,
        cluster_name: query.cluster_name,
      },
    });
    const intents = await this.intents.findByObjectInstances(
      principal,
      entities.map((row) => row.instanceId),
    );
    const items = entities.map((row) => toInstanceResponse(row, intents.get(row.instanceId) ?? []));
    return { items, meta };
  }

  async get(principal: Principal, instanceId: string): Promise<InstanceResponse> {
    return this.withIntents(principal, await this.findOwned(principal, instanceId));
  }

  /** 202: `deleting` and one `delete` event; repeating it changes nothing and emits nothing. */
  async delete(principal: Principal, instanceId: string): Promise<InstanceResponse> {
    const instance = await this.dataSource.transaction(async (manager) => {
      const found = await this.lockInstance(manager, instanceId, tenantScope(principal));
      if (deletionOutcome(found.status) === 'already') return found;
      found.status = 'deleting';
      found.statusReason = null;
      const saved = await manager.save(found);
      await this.outbox.add(
        manager,
        'delete',
        { id: saved.id, instance_id: saved.instanceId, cluster_name: saved.clusterName },
        { type: 'workload_instance', id: saved.instanceId },
      );
      return saved;
    });
    return this.withIntents(principal, instance);
  }

  /**
   * A status report of the meta-Orchestrator (REST or the status queue). Reports are platform-wide:
   * the `report` permission belongs to the orchestrator's service identity, not to one tenant.
   */
  async reportStatus(
    principal: Principal,
    instanceId: string,
    report: ReportStatusDto,
  ): Promise<InstanceResponse> {
    return this.withIntents(principal, await this.applyReport(instanceId, report));
  }

  async applyReport(instanceId: string, report: ReportStatusDto): Promise<WorkloadInstance> {
    return this.dataSource.transaction(async (manager) => {
      const instance = await this.lockInstance(manager, instanceId, {});
      if (!canReport(instance.status, report.status)) {
        const allowed = allowedReports(instance.status);
        throw new ConflictError(
          'illegal_status_transition',
          `instance ${instanceId} is ${instance.status}: it cannot become ${report.status}` +
            (allowed.length > 0 ? ` (it can become ${allowed.join(', ')})` : ''),
          [
            {
              field: 'status',
              reason: `${instance.status} → ${report.status} is not a lifecycle transition`,
            },
          ],
        );
      }
      instance.status = report.status;
      instance.statusReason = report.reason ?? null;
      if (report.cluster_name !== undefined) instance.clusterName = report.cluster_name;
      return manager.save(instance);
    });
  }

  private async render(
    workload: Awaited<ReturnType<WorkloadService['findInstantiable']>>,
    instanceId: string,
    body: CreateInstanceDto,
    values: Record<string, unknown>,
    ingressEnabled: boolean,
  ): Promise<RenderedInstance> {
    const { manifests: rendered } = await this.renderer.render(
      { name: workload.name, version: workload.version, digest: workload.chartDigest },
      { releaseName: body.release_name, namespace: body.namespace, values },
    );
    const { manifests } = rewriteImages(rendered, workload.imageMirrors);
    const exposure: IngressExposure = ingressEnabled
      ? this.ingress.expose(manifests, {
          releaseName: body.release_name,
          instanceId,
          namespace: body.namespace,
        })
      : { ingresses: [], exposed: [] };
    return { manifests: [...manifests, ...exposure.ingresses], exposure };
  }

  private checkValues(values: Record<string, unknown>): Record<string, unknown> {
    const size = Buffer.byteLength(JSON.stringify(values));
    if (size > this.config.INSTANCE_VALUES_MAX_BYTES) {
      throw new BadRequestError(
        'values_too_large',
        `values are ${size} bytes as JSON; at most ${this.config.INSTANCE_VALUES_MAX_BYTES} are accepted`,
        [{ field: 'values', reason: `larger than ${this.config.INSTANCE_VALUES_MAX_BYTES} bytes` }],
      );
    }
    return values;
  }

  /** Answers before rendering; the partial unique index is what guarantees it under concurrency. */
  private async ensureReleaseFree(tenant: string, releaseName: string): Promise<void> {
    const taken = await this.instances.exists({
      where: { tenant, releaseName, status: Not('deleted') },
    });
    if (taken) throw releaseTaken(releaseName);
  }

  private async findOwned(principal: Principal, instanceId: string): Promise<WorkloadInstance> {
    const instance = await this.instances.findOneBy({ instanceId, ...tenantScope(principal) });
    if (!instance) throw new NotFoundError('instance', instanceId);
    return instance;
  }

  private async lockInstance(
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

  private async withIntents(
    principal: Principal,
    instance: WorkloadInstance,
  ): Promise<InstanceResponse> {
    const intents = await this.intents.findByObjectInstance(principal, instance.instanceId);
    return toInstanceResponse(instance, intents);
  }

  private countLive(workloadDocumentId: number): Promise<number> {
    return this.instances.countBy({ workloadDocumentId, status: Not('deleted') });
  }

  private async isOwnLiveInstance(
    manager: EntityManager,
    principal: Principal,
    objectInstance: string,
  ): Promise<boolean> {
    if (!UUID.test(objectInstance)) return false;
    return manager.exists(WorkloadInstance, {
      where: {
        instanceId: objectInstance.toLowerCase(),
        status: Not('deleted'),
        ...tenantScope(principal),
      },
    });
  }
}
