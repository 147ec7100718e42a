import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, Not, QueryFailedError, Repository } from 'typeorm';
import { isForeign, Principal, tenantScope } from '../auth/principal';
import { ClusterService } from '../cluster/cluster.service';
import { fetchPage } from '../database/keyset-page';
import { RenderConfig } from '../config/slices/render.config';
import { ConflictError, UnprocessableError } from '../common/errors/domain-error';
import { Page } from '../common/pagination/pagination';
import { OutboxService } from '../events/outbox.service';
import { IntentObject, RunEvent } from '../contract';
import { CreateIntentDto } from '../intent/dto/create-intent.dto';
import { IntentService } from '../intent/intent.service';
import { SubscriptionService } from '../subscription/subscription.service';
import { WorkloadService } from '../workload/workload.service';
import { CreateInstanceDto } from './dto/create-instance.dto';
import { InstancePreviewResponse } from './dto/instance-preview.response';
import { InstanceResponse, toImageLockResponse, toInstanceResponse } from './dto/instance.response';
import { ListInstancesQuery } from './dto/list-instances.query';
import { ReportStatusDto } from './dto/report-status.dto';
import { statusChangeEvent } from './dto/status-change';
import {
  InstanceStatusAcknowledgement,
  toStatusAcknowledgement,
} from './dto/status-acknowledgement.response';
import { WorkloadInstance } from './entities/workload-instance.entity';
import { findOwnedInstance, lockInstance } from './instance-lookup';
import { allowedReports, canReport, deletionOutcome } from './instance-status';
import { InstanceRenderer, RenderedInstance } from './rendering/instance-renderer';
import { RevisionStore } from './revisions/revision-store';
import { InstanceValues } from './revisions/instance-values';

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
    revision: instance.revision,
  };
}

/**
 * The `run` event of an instance, refused (422) when larger than `maxBytes`. Thrown inside the
 * transaction: a refused event leaves no instance, revision or intents behind.
 */
export function toBoundedRunEvent(
  instance: WorkloadInstance,
  intents: IntentObject[],
  maxBytes: number,
): RunEvent {
  const event = toRunEvent(instance, intents);
  const size = Buffer.byteLength(JSON.stringify(event));
  if (size <= maxBytes) return event;
  const detail = `the run event would be ${size} bytes; at most ${maxBytes} are sent (RUN_EVENT_MAX_BYTES)`;
  throw new UnprocessableError('run_event_too_large', detail, [
    { field: 'values', reason: detail },
  ]);
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

function describeAllowed(allowed: readonly string[]): string {
  return allowed.length > 0 ? ` (it can become ${allowed.join(', ')})` : '';
}

function illegalTransition(
  detail: string,
  reason = "not a lifecycle transition from the instance's current status",
): ConflictError {
  return new ConflictError('illegal_status_transition', detail, [{ field: 'status', reason }]);
}

/** The render of a creation, before anything is stored. */
interface PreparedCreation {
  workload: Awaited<ReturnType<WorkloadService['findInstantiable']>>;
  instanceId: string;
  namespace: string | null;
  values: Record<string, unknown>;
  ingressEnabled: boolean;
  rendered: RenderedInstance;
}

/**
 * Workload instances: render an accepted workload document (outside any transaction), then in one
 * transaction store the instance and its revision 1, create its inline intents and record the
 * `run` event. Also the lifecycle reported back by the meta-Orchestrator and deletion with a
 * `delete` event. Upgrades and rollbacks: InstanceRevisionService.
 */
@Injectable()
export class InstanceService implements OnModuleInit {
  constructor(
    @InjectRepository(WorkloadInstance) private readonly instances: Repository<WorkloadInstance>,
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
    private readonly workloads: WorkloadService,
    private readonly intents: IntentService,
    private readonly renderer: InstanceRenderer,
    private readonly revisions: RevisionStore,
    private readonly clusters: ClusterService,
    private readonly values: InstanceValues,
    private readonly config: RenderConfig,
    private readonly subscriptions: SubscriptionService,
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
    const prepared = await this.prepareCreation(principal, workloadDocumentId, body);
    const intentBodies = bindIntentsToInstance(body.intents ?? [], prepared.instanceId);
    const { instance, intents } = await this.dataSource
      .transaction(async (manager) => {
        const instance = await manager.save(
          manager.create(WorkloadInstance, {
            instanceId: prepared.instanceId,
            workloadDocumentId: prepared.workload.id,
            releaseName: body.release_name,
            namespace: prepared.namespace,
            values: prepared.values,
            ingressEnabled: prepared.ingressEnabled,
            status: 'rendered',
            statusReason: null,
            clusterName: body.cluster_name ?? null,
            manifests: prepared.rendered.manifests,
            exposedUrls: prepared.rendered.exposedUrls,
            imageLock: prepared.rendered.imageLock,
            revision: 1,
            owner: principal.subject,
            tenant: principal.tenant,
          }),
        );
        await this.revisions.append(
          manager,
          {
            instanceDbId: instance.id,
            revision: 1,
            origin: 'create',
            rollbackOf: null,
            workloadDocumentId: prepared.workload.id,
            chartName: prepared.workload.name,
            chartVersion: prepared.workload.version,
            values: prepared.values,
            ingressEnabled: prepared.ingressEnabled,
            exposedUrls: instance.exposedUrls,
            clusterName: instance.clusterName,
            kubeVersion: prepared.rendered.kubeVersion,
            status: 'rendered',
            createdBy: principal.subject,
          },
          instance.manifests,
        );
        const intents =
          intentBodies.length > 0
            ? await this.intents.createWithinTransaction(manager, principal, intentBodies)
            : [];
        await this.outbox.add(
          manager,
          'run',
          toBoundedRunEvent(instance, intents, this.config.RUN_EVENT_MAX_BYTES),
          {
            type: 'workload_instance',
            id: instance.instanceId,
          },
        );
        await this.subscriptions.record(manager, statusChangeEvent(instance));
        return { instance, intents };
      })
      .catch((error: unknown) => {
        throw isLiveReleaseConflict(error) ? releaseTaken(body.release_name) : error;
      });
    return toInstanceResponse(instance, intents);
  }

  /** `?dry_run=true`: the same checks and render as a creation; nothing stored or published. */
  async preview(
    principal: Principal,
    workloadDocumentId: number,
    body: CreateInstanceDto,
  ): Promise<InstancePreviewResponse> {
    const prepared = await this.prepareCreation(principal, workloadDocumentId, body);
    return {
      dry_run: true,
      instance_id: null,
      workload_document_id: prepared.workload.id,
      release_name: body.release_name,
      namespace: prepared.namespace,
      cluster_name: body.cluster_name ?? null,
      kube_version: prepared.rendered.kubeVersion,
      ingress_enabled: prepared.ingressEnabled,
      revision: 1,
      exposed_urls: prepared.rendered.exposedUrls,
      manifests: prepared.rendered.manifests,
      image_lock: toImageLockResponse(prepared.rendered.imageLock),
      diff: null,
    };
  }

  private async prepareCreation(
    principal: Principal,
    workloadDocumentId: number,
    body: CreateInstanceDto,
  ): Promise<PreparedCreation> {
    const values = this.values.checkGiven(body.values ?? {});
    const workload = await this.workloads.findInstantiable(principal, workloadDocumentId);
    const cluster = await this.clusters.findRenderProfile(body.cluster_name);
    const namespace = body.namespace ?? cluster?.defaultNamespace ?? null;
    await this.ensureReleaseFree(principal.tenant, body.release_name);
    const instanceId = randomUUID();
    const ingressEnabled = body.ingress_enabled ?? false;
    const rendered = await this.renderer.render({
      workload,
      instanceId,
      releaseName: body.release_name,
      namespace: namespace ?? undefined,
      values,
      ingressEnabled,
      cluster,
    });
    return { workload, instanceId, namespace, values, ingressEnabled, rendered };
  }

  async list(principal: Principal, query: ListInstancesQuery): Promise<Page<InstanceResponse>> {
    const { tenant } = tenantScope(principal);
    const { entities, meta } = await fetchPage(this.instances.manager, WorkloadInstance, query, {
      resource: 'instances',
      sort: { name: 'id', property: 'id', type: 'integer' },
      where: {
        tenant,
        workloadDocumentId: query.workload_document_id,
        status: query.status,
        clusterName: query.cluster_name,
      },
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
    const instance = await findOwnedInstance(this.dataSource.manager, principal, instanceId);
    return this.withIntents(principal, instance);
  }

  /** 202: `deleting` and one `delete` event; repeating it changes nothing and emits nothing. */
  async delete(principal: Principal, instanceId: string): Promise<InstanceResponse> {
    const instance = await this.dataSource.transaction(async (manager) => {
      const found = await lockInstance(manager, instanceId, tenantScope(principal));
      if (deletionOutcome(found.status) === 'already') return found;
      found.status = 'deleting';
      found.statusReason = null;
      const saved = await manager.save(found);
      await this.revisions.markStatus(manager, saved.id, saved.revision, saved.status);
      await this.outbox.add(
        manager,
        'delete',
        { id: saved.id, instance_id: saved.instanceId, cluster_name: saved.clusterName },
        { type: 'workload_instance', id: saved.instanceId },
      );
      await this.subscriptions.record(manager, statusChangeEvent(saved));
      return saved;
    });
    return this.withIntents(principal, instance);
  }

  /**
   * A status report of the meta-Orchestrator (REST or the status queue). Reports are platform-wide:
   * the `report` permission belongs to the orchestrator's service identity, not to one tenant. On
   * another tenant's instance the answer is an acknowledgement only, never the instance. Reaching
   * `deleted` deactivates the intents about the instance (IntentService.deactivateForDeletedInstance).
   */
  async reportStatus(
    principal: Principal,
    instanceId: string,
    report: ReportStatusDto,
  ): Promise<InstanceResponse | InstanceStatusAcknowledgement> {
    const instance = await this.applyReport(instanceId, report, principal);
    if (isForeign(principal, instance.tenant)) return toStatusAcknowledgement(instance);
    return this.withIntents(principal, instance);
  }

  /** `reporter` is the REST caller (none for the status queue): a foreign one is not told the current status. */
  async applyReport(
    instanceId: string,
    report: ReportStatusDto,
    reporter?: Principal,
  ): Promise<WorkloadInstance> {
    return this.dataSource.transaction(async (manager) => {
      const instance = await lockInstance(manager, instanceId, {});
      if (!canReport(instance.status, report.status)) {
        throw reporter && isForeign(reporter, instance.tenant)
          ? illegalTransition(`instance ${instanceId} cannot become ${report.status} now`)
          : illegalTransition(
              `instance ${instanceId} is ${instance.status}: it cannot become ${report.status}` +
                describeAllowed(allowedReports(instance.status)),
              `${instance.status} → ${report.status} is not a lifecycle transition`,
            );
      }
      // The intents about an instance that is gone are suspended with it, in this transaction.
      if (report.status === 'deleted' && instance.status !== 'deleted')
        await this.intents.deactivateForDeletedInstance(
          manager,
          NEMO_WORKLOAD,
          instance.instanceId,
        );
      instance.status = report.status;
      instance.statusReason = report.reason ?? null;
      // Later upgrades render for the reported cluster (its profile, if the platform has one).
      if (report.cluster_name !== undefined) instance.clusterName = report.cluster_name;
      await this.revisions.markStatus(manager, instance.id, instance.revision, instance.status);
      const saved = await manager.save(instance);
      await this.subscriptions.record(manager, statusChangeEvent(saved));
      return saved;
    });
  }

  /** Answers before rendering; the partial unique index is what guarantees it under concurrency. */
  private async ensureReleaseFree(tenant: string, releaseName: string): Promise<void> {
    const taken = await this.instances.exists({
      where: { tenant, releaseName, status: Not('deleted') },
    });
    if (taken) throw releaseTaken(releaseName);
  }

  private async withIntents(
    principal: Principal,
    instance: WorkloadInstance,
  ): Promise<InstanceResponse> {
    const intents = await this.intents.findByObjectInstance(principal, instance.instanceId);
    return toInstanceResponse(instance, intents);
  }

  /** Live instances on the document, or with a revision of it (a rollback may return to it). */
  private async countLive(workloadDocumentId: number): Promise<number> {
    const [{ count }] = (await this.dataSource.query(
      `SELECT count(*)::int AS count FROM workload_instance i
        WHERE i.status <> 'deleted'
          AND (i.workload_document_id = $1 OR EXISTS (SELECT 1 FROM instance_revision r
                WHERE r.instance_id = i.id AND r.workload_document_id = $1))`,
      [workloadDocumentId],
    )) as Array<{ count: number }>;
    return count;
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
