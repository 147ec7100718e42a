import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Principal, tenantScope } from '../auth/principal';
import { ClusterService } from '../cluster/cluster.service';
import {
  ConflictError,
  DomainError,
  NotFoundError,
  UnprocessableError,
} from '../common/errors/domain-error';
import { Page } from '../common/pagination/pagination';
import { OutboxService } from '../events/outbox.service';
import type { KubernetesManifest } from '../common/kubernetes-manifest';
import { IntentService } from '../intent/intent.service';
import { InstantiableWorkload, WorkloadService } from '../workload/workload.service';
import { InstancePreviewResponse } from './dto/instance-preview.response';
import { InstanceResponse, toImageLockResponse, toInstanceResponse } from './dto/instance.response';
import {
  InstanceRevisionDetailResponse,
  InstanceRevisionResponse,
  ListRevisionsQuery,
  RevisionDiffResponse,
  toRevisionResponse,
} from './dto/revision.response';
import { UpdateInstanceDto } from './dto/update-instance.dto';
import { RevisionOrigin } from './entities/instance-revision.entity';
import { WorkloadInstance } from './entities/workload-instance.entity';
import { findOwnedInstance, lockInstance } from './instance-lookup';
import { RenderConfig } from '../config/slices/render.config';
import { toBoundedRunEvent } from './instance.service';
import type { ImageLockEntry } from './rendering/image-rewrite';
import { InstanceRenderer, RenderedInstance } from './rendering/instance-renderer';
import { SubscriptionService } from '../subscription/subscription.service';
import { statusChangeEvent } from './dto/status-change';
import { ifMatchAllows, revisionEtag } from './revisions/if-match';
import { InstanceValues } from './revisions/instance-values';
import { diffManifests } from './revisions/manifest-diff';
import { RevisionStore, RevisionWithManifests } from './revisions/revision-store';

/**
 * A PATCH without If-Match that loses the race for the next revision number is rendered again on
 * the newer revision this many times in all before it answers 409.
 */
export const MAX_UPGRADE_ATTEMPTS = 3;

/** What an upgrade renders from: the current revision with the PATCH's fields applied. */
interface UpgradePlan {
  workload: InstantiableWorkload;
  values: Record<string, unknown>;
  ingressEnabled: boolean;
  clusterName: string | null;
  rendered: RenderedInstance;
}

/** The instance's state after a change, with the revision that records it. */
interface RevisionChange {
  workload: InstantiableWorkload;
  origin: RevisionOrigin;
  rollbackOf: number | null;
  values: Record<string, unknown>;
  ingressEnabled: boolean;
  clusterName: string | null;
  kubeVersion: string | null;
  exposedUrls: string[];
  manifests: KubernetesManifest[];
  imageLock: ImageLockEntry[];
  /** The stored manifest set, when the manifests are an earlier revision's (rollback). */
  manifestsDigest?: string;
}

export class PreconditionFailedError extends DomainError {
  constructor(instanceId: string, revision: number) {
    super(
      412,
      'revision_mismatch',
      'Precondition Failed',
      `instance ${instanceId} is at revision ${revision}: If-Match does not name its ETag ${revisionEtag(revision)}`,
      [{ field: 'If-Match', reason: `the current ETag is ${revisionEtag(revision)}` }],
    );
  }
}

/** Upgrades, rollbacks and deletion are changes of the instance's desired state: not once it goes. */
function ensureChangeable(instance: WorkloadInstance): void {
  if (instance.status !== 'deleting' && instance.status !== 'deleted') return;
  throw new ConflictError(
    'instance_not_changeable',
    `instance ${instance.instanceId} is ${instance.status}: it can no longer be upgraded or rolled back`,
    [{ field: 'status', reason: `${instance.status} instances keep their last revision` }],
  );
}

/** `If-Match: *` asks only that the instance exists; a listed ETag pins the revision. */
function pinsRevision(ifMatch: string | undefined): boolean {
  return ifMatch !== undefined && ifMatch.trim() !== '*';
}

/**
 * The revisions of workload instances: upgrades (PATCH, a new render), rollbacks (an earlier
 * revision's manifests again, no render), the history, diffs and dry-runs. helm runs outside any
 * transaction; the transaction that assigns the next revision number locks the instance row and
 * checks that the revision the render started from is still the current one.
 */
@Injectable()
export class InstanceRevisionService {
  constructor(
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

  /**
   * `PATCH /instances/{id}`: renders the current revision with the given changes and makes it the
   * next revision, publishing `run`. With If-Match naming a revision that is not (or no longer)
   * the current one: 412. Without it, a lost race re-renders on the newer revision.
   */
  async upgrade(
    principal: Principal,
    instanceId: string,
    body: UpdateInstanceDto,
    ifMatch?: string,
  ): Promise<InstanceResponse> {
    for (let attempt = 1; ; attempt++) {
      const base = await this.changeableInstance(principal, instanceId, ifMatch);
      const plan = await this.planUpgrade(principal, base, body);
      const outcome = await this.dataSource.transaction(async (manager) => {
        const current = await lockInstance(manager, instanceId, tenantScope(principal));
        ensureChangeable(current);
        // Another change took the next revision while this one rendered: its number says which.
        if (current.revision !== base.revision) return current.revision;
        return this.commit(manager, principal, current, {
          workload: plan.workload,
          origin: 'upgrade',
          rollbackOf: null,
          values: plan.values,
          ingressEnabled: plan.ingressEnabled,
          clusterName: plan.clusterName,
          kubeVersion: plan.rendered.kubeVersion,
          exposedUrls: plan.rendered.exposedUrls,
          manifests: plan.rendered.manifests,
          imageLock: plan.rendered.imageLock,
        });
      });
      if (typeof outcome !== 'number') return outcome;
      if (pinsRevision(ifMatch)) throw new PreconditionFailedError(instanceId, outcome);
      if (attempt >= MAX_UPGRADE_ATTEMPTS) {
        throw new ConflictError(
          'concurrent_update',
          `instance ${instanceId} kept changing while this upgrade rendered (${attempt} attempts); try again`,
        );
      }
    }
  }

  /** `PATCH …?dry_run=true`: the upgrade's render and its diff against the current revision. */
  async previewUpgrade(
    principal: Principal,
    instanceId: string,
    body: UpdateInstanceDto,
    ifMatch?: string,
  ): Promise<InstancePreviewResponse> {
    const base = await this.changeableInstance(principal, instanceId, ifMatch);
    const plan = await this.planUpgrade(principal, base, body);
    return {
      dry_run: true,
      instance_id: base.instanceId,
      workload_document_id: plan.workload.id,
      release_name: base.releaseName,
      namespace: base.namespace,
      cluster_name: plan.clusterName,
      kube_version: plan.rendered.kubeVersion,
      ingress_enabled: plan.ingressEnabled,
      revision: base.revision + 1,
      exposed_urls: plan.rendered.exposedUrls,
      manifests: plan.rendered.manifests,
      image_lock: toImageLockResponse(plan.rendered.imageLock),
      diff: diffManifests(base.manifests, plan.rendered.manifests),
    };
  }

  /**
   * `POST /instances/{id}/rollback`: a new revision with revision `target`'s manifests (checked
   * against today's render policy, never rendered again), publishing `run`. Rolling back to the
   * current revision is 409 (nothing would change).
   */
  async rollback(
    principal: Principal,
    instanceId: string,
    target: number,
    ifMatch?: string,
  ): Promise<InstanceResponse> {
    return this.dataSource.transaction(async (manager) => {
      const instance = await lockInstance(manager, instanceId, tenantScope(principal));
      ensureChangeable(instance);
      if (!ifMatchAllows(ifMatch, instance.revision)) {
        throw new PreconditionFailedError(instanceId, instance.revision);
      }
      if (target === instance.revision) {
        throw new ConflictError(
          'already_at_revision',
          `instance ${instanceId} is at revision ${target} already: a rollback to it changes nothing`,
          [{ field: 'revision', reason: 'is the current revision' }],
        );
      }
      const { revision: source, manifests } = await this.findRevision(manager, instance, target);
      const workload = await this.workloads.findInstantiable(principal, source.workloadDocumentId);
      const imageLock = this.renderer.recheck(workload, instance.namespace ?? undefined, manifests);
      return this.commit(manager, principal, instance, {
        workload,
        origin: 'rollback',
        rollbackOf: source.revision,
        values: source.values,
        ingressEnabled: source.ingressEnabled,
        clusterName: instance.clusterName,
        kubeVersion: source.kubeVersion,
        exposedUrls: source.exposedUrls,
        manifests,
        imageLock,
        manifestsDigest: source.manifestsDigest,
      });
    });
  }

  async list(
    principal: Principal,
    instanceId: string,
    query: ListRevisionsQuery,
  ): Promise<Page<InstanceRevisionResponse>> {
    const manager = this.dataSource.manager;
    const instance = await findOwnedInstance(manager, principal, instanceId);
    const { entities, meta } = await this.revisions.page(manager, instance.id, query);
    return { items: entities.map((row) => toRevisionResponse(row, instance.revision)), meta };
  }

  async get(
    principal: Principal,
    instanceId: string,
    revision: number,
  ): Promise<InstanceRevisionDetailResponse> {
    const manager = this.dataSource.manager;
    const instance = await findOwnedInstance(manager, principal, instanceId);
    const found = await this.findRevision(manager, instance, revision);
    return { ...toRevisionResponse(found.revision, instance.revision), manifests: found.manifests };
  }

  /** What revision `revision` has against `against` (default: the revision before it). */
  async diff(
    principal: Principal,
    instanceId: string,
    revision: number,
    against?: number,
  ): Promise<RevisionDiffResponse> {
    const manager = this.dataSource.manager;
    const instance = await findOwnedInstance(manager, principal, instanceId);
    const newer = await this.findRevision(manager, instance, revision);
    const otherNumber = against ?? (revision > 1 ? revision - 1 : null);
    const older =
      otherNumber === null
        ? null
        : await this.findRevision(manager, instance, otherNumber, 'against');
    return {
      revision,
      against: otherNumber,
      ...diffManifests(older?.manifests ?? [], newer.manifests),
    };
  }

  /** The instance a change starts from: the caller's, still changeable, at the If-Match revision. */
  private async changeableInstance(
    principal: Principal,
    instanceId: string,
    ifMatch: string | undefined,
  ): Promise<WorkloadInstance> {
    const instance = await findOwnedInstance(this.dataSource.manager, principal, instanceId);
    ensureChangeable(instance);
    if (!ifMatchAllows(ifMatch, instance.revision)) {
      throw new PreconditionFailedError(instanceId, instance.revision);
    }
    return instance;
  }

  private async planUpgrade(
    principal: Principal,
    base: WorkloadInstance,
    body: UpdateInstanceDto,
  ): Promise<UpgradePlan> {
    const values = this.values.combine(base.values, body.values, body.values_strategy ?? 'merge');
    const workload = await this.upgradeTarget(principal, base, body.workload_document_id);
    const ingressEnabled = body.ingress_enabled ?? base.ingressEnabled;
    const clusterName = body.cluster_name ?? base.clusterName;
    const cluster = await this.clusters.findRenderProfile(clusterName);
    const rendered = await this.renderer.render({
      workload,
      instanceId: base.instanceId,
      releaseName: base.releaseName,
      namespace: base.namespace ?? undefined,
      values,
      ingressEnabled,
      cluster,
    });
    return { workload, values, ingressEnabled, clusterName, rendered };
  }

  /** The document an upgrade renders: the current one, or another of the same chart and tenant. */
  private async upgradeTarget(
    principal: Principal,
    base: WorkloadInstance,
    workloadDocumentId: number | undefined,
  ): Promise<InstantiableWorkload> {
    if (workloadDocumentId === undefined || workloadDocumentId === base.workloadDocumentId) {
      return this.workloads.findInstantiable(principal, base.workloadDocumentId);
    }
    const target = await this.workloads.findInstantiable(principal, workloadDocumentId);
    const current = await this.revisions.find(this.dataSource.manager, base.id, base.revision);
    if (target.tenant !== base.tenant) {
      // Admins see every tenant's documents; an instance still only upgrades within its own.
      throw new NotFoundError('workload', workloadDocumentId);
    }
    if (current && target.name !== current.chartName) {
      throw new UnprocessableError(
        'chart_name_mismatch',
        `workload document ${workloadDocumentId} is chart "${target.name}"; instance ${base.instanceId} runs "${current.chartName}"`,
        [
          {
            field: 'workload_document_id',
            reason: `must be a version of chart "${current.chartName}"`,
          },
        ],
      );
    }
    return target;
  }

  private async findRevision(
    manager: EntityManager,
    instance: WorkloadInstance,
    revision: number,
    field = 'revision',
  ): Promise<RevisionWithManifests> {
    const found = await this.revisions.findWithManifests(manager, instance.id, revision);
    if (found) return found;
    throw new DomainError(
      404,
      'revision_not_found',
      'Not Found',
      `instance ${instance.instanceId} has no revision ${revision}`,
      [{ field, reason: `instance has revisions 1 to ${instance.revision}` }],
    );
  }

  /** Inside the locked transaction: the next revision, the instance updated, and `run`. */
  private async commit(
    manager: EntityManager,
    principal: Principal,
    instance: WorkloadInstance,
    change: RevisionChange,
  ): Promise<InstanceResponse> {
    const revision = instance.revision + 1;
    await this.revisions.append(
      manager,
      {
        instanceDbId: instance.id,
        revision,
        origin: change.origin,
        rollbackOf: change.rollbackOf,
        workloadDocumentId: change.workload.id,
        chartName: change.workload.name,
        chartVersion: change.workload.version,
        values: change.values,
        ingressEnabled: change.ingressEnabled,
        exposedUrls: change.exposedUrls,
        clusterName: change.clusterName,
        kubeVersion: change.kubeVersion,
        status: 'rendered',
        createdBy: principal.subject,
      },
      change.manifestsDigest ? { digest: change.manifestsDigest } : change.manifests,
    );
    const saved = await this.updateInstance(manager, instance, revision, change);
    const intents = await this.intents.findByObjectInstance(principal, saved.instanceId, manager);
    await this.outbox.add(
      manager,
      'run',
      toBoundedRunEvent(saved, intents, this.config.RUN_EVENT_MAX_BYTES),
      {
        type: 'workload_instance',
        id: saved.instanceId,
      },
    );
    await this.subscriptions.record(manager, statusChangeEvent(saved));
    return toInstanceResponse(saved, intents);
  }

  /** One UPDATE (no read-back): the instance now is the new revision, status `rendered`. */
  private async updateInstance(
    manager: EntityManager,
    instance: WorkloadInstance,
    revision: number,
    change: RevisionChange,
  ): Promise<WorkloadInstance> {
    const [[row]] = (await manager.query(
      `UPDATE workload_instance
          SET revision = $2, workload_document_id = $3, values = $4, ingress_enabled = $5,
              cluster_name = $6, manifests = $7, exposed_urls = $8, image_lock = $9,
              status = 'rendered',
              status_reason = NULL, updated_at = now()
        WHERE id = $1
        RETURNING updated_at`,
      [
        instance.id,
        revision,
        change.workload.id,
        JSON.stringify(change.values),
        change.ingressEnabled,
        change.clusterName,
        JSON.stringify(change.manifests),
        JSON.stringify(change.exposedUrls),
        JSON.stringify(change.imageLock),
      ],
    )) as [Array<{ updated_at: Date }>, number];
    return Object.assign(instance, {
      revision,
      workloadDocumentId: change.workload.id,
      values: change.values,
      ingressEnabled: change.ingressEnabled,
      clusterName: change.clusterName,
      manifests: change.manifests,
      exposedUrls: change.exposedUrls,
      imageLock: change.imageLock,
      status: 'rendered' as const,
      statusReason: null,
      updatedAt: row.updated_at,
    });
  }
}
