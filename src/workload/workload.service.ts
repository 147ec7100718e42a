import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager, Not, QueryFailedError, Repository } from 'typeorm';
import { isAdmin, isForeign, Principal, tenantScope } from '../auth/principal';
import { BadRequestError, DomainError, NotFoundError } from '../common/errors/domain-error';
import { fetchPage, SortSpec } from '../database/keyset-page';
import { Page } from '../common/pagination/pagination';
import { lean, leanFindAll, leanFindOne } from '../database/lean-find';
import { OutboxService } from '../events/outbox.service';
import { HelmRepoService } from '../helm-repo/helm-repo.service';
import type { PodSecurityProfile } from '../contract';
import { CreateWorkloadDto } from './dto/create-workload.dto';
import { ListWorkloadsQuery, WorkloadSortField } from './dto/list-workloads.query';
import { RenderPolicyDto } from './dto/render-policy.dto';
import {
  toWorkloadDetailResponse,
  toWorkloadPageResponse,
  toWorkloadResponse,
  WorkloadDetailResponse,
  WorkloadResponse,
} from './dto/workload.response';
import { WorkloadDocument } from './entities/workload-document.entity';
import { WorkloadImageMirror } from './entities/workload-image-mirror.entity';
import { WorkloadPackage } from './entities/workload-package.entity';
import { uploadEvent } from './workload.events';
import { OnboardingQueue } from './jobs/onboarding.queue';
import {
  InvalidProvenancePartError,
  PROVENANCE_MAX_BYTES,
  WorkloadExistsError,
  WorkloadInUseError,
  WorkloadNotAcceptedError,
  WorkloadNotUploadableError,
  WorkloadOnboardingError,
} from './workload.errors';

export interface InstantiableWorkload {
  id: number;
  name: string;
  version: string;
  ingressSupport: boolean;
  tenant: string;
  imageMirrors: Array<{ source: string; mirrored: string; digest: string }>;
  /** sha256 of the published package: pass it to HelmRepoService.fetchChart to skip the index read. */
  chartDigest: string;
  /** What an admin allowed its instances to render (see RenderPolicyService). */
  renderPolicy: { allowedKinds: string[]; podSecurity: PodSecurityProfile | null };
  /** The worker's scan found no random/clock/… template function: renders may be cached. */
  rendersDeterministic: boolean;
}

type DeletionBlocker = (workloadDocumentId: number) => Promise<number>;

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';
const UPLOADABLE = new Set(['pending', 'rejected']);

/** The SQL column and cursor key type of each `sort` value (every one backed by an index). */
const SORT_COLUMNS: Record<WorkloadSortField, Omit<SortSpec, 'name'>> = {
  created_at: { property: 'createdAt', type: 'timestamptz' },
  updated_at: { property: 'updatedAt', type: 'timestamptz' },
  name: { property: 'name', type: 'text' },
  version: { property: 'version', type: 'text' },
  status: { property: 'status', type: 'text' },
  id: { property: 'id', type: 'integer' },
};

/** Workload documents: registration, upload, listing, deletion; the rules and the transactions. */
@Injectable()
export class WorkloadService {
  private readonly logger = new Logger(WorkloadService.name);
  private readonly blockers: Array<{ blocker: DeletionBlocker; label: string }> = [];

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(WorkloadDocument) private readonly documents: Repository<WorkloadDocument>,
    private readonly outbox: OutboxService,
    private readonly onboardingQueue: OnboardingQueue,
    private readonly helmRepo: HelmRepoService,
  ) {}

  async create(principal: Principal, dto: CreateWorkloadDto): Promise<WorkloadResponse> {
    const document = this.documents.create({
      tenant: principal.tenant,
      owner: principal.subject,
      name: dto.name,
      version: dto.version,
      type: dto.type,
      ingressSupport: dto.ingress_support ?? false,
      description: dto.description ?? null,
      status: 'pending',
    });
    try {
      return toWorkloadResponse(await this.documents.save(document));
    } catch (error) {
      if (isDatabaseError(error, UNIQUE_VIOLATION))
        throw new WorkloadExistsError(dto.name, dto.version);
      throw error;
    }
  }

  /**
   * Stores the package with the status change and its `onboarding` event in one transaction, then
   * queues the onboarding job (after the commit: the job must find what it onboards). Should the
   * queue be unreachable, the worker's sweep queues it later.
   */
  async upload(
    principal: Principal,
    id: number,
    bytes: Buffer | undefined,
    provenance?: Buffer,
  ): Promise<WorkloadResponse> {
    if (!bytes || bytes.length === 0) {
      throw new BadRequestError(
        'validation_failed',
        'A chart package is required in the multipart field "file"',
        [{ field: 'file', reason: 'a Helm chart package (.tgz) is required' }],
      );
    }
    checkProvenancePart(provenance);
    const digest = createHash('sha256').update(bytes).digest('hex');
    const document = await this.dataSource.transaction(async (manager) => {
      const locked = await this.lockOwned(manager, principal, id);
      if (!UPLOADABLE.has(locked.status)) throw new WorkloadNotUploadableError(id, locked.status);
      Object.assign(locked, {
        status: 'onboarding',
        uploadSeq: locked.uploadSeq + 1,
        packageDigest: digest,
        packageSize: bytes.length,
        rejectionReason: null,
        onboardingStep: 'queued',
        imagesDone: 0,
        imagesTotal: 0,
        provenanceSigner: null,
        provenanceKeyFingerprint: null,
      });
      await manager.upsert(
        WorkloadPackage,
        {
          documentId: id,
          uploadSeq: locked.uploadSeq,
          digest,
          size: bytes.length,
          content: bytes,
          provenance: provenance ?? null,
        },
        ['documentId'],
      );
      await manager.delete(WorkloadImageMirror, { documentId: id });
      const saved = await manager.save(locked);
      await this.outbox.add(manager, 'upload', uploadEvent(saved), {
        type: 'workload_document',
        id,
      });
      return saved;
    });
    await this.onboardingQueue
      .ensure({ documentId: id, uploadSeq: document.uploadSeq })
      .catch((error: unknown) =>
        this.logger.warn(`Onboarding of ${id} not queued now, the sweep will: ${String(error)}`),
      );
    return toWorkloadResponse(document);
  }

  async list(principal: Principal, query: ListWorkloadsQuery): Promise<Page<WorkloadResponse>> {
    const { tenant } = tenantScope(principal);
    const filters = { name: query.name, status: query.status, type: query.type };
    const { entities, meta } = await fetchPage(this.documents.manager, WorkloadDocument, query, {
      resource: 'workloads',
      sort: { name: query.sort, ...SORT_COLUMNS[query.sort] },
      where: { tenant, ...filters },
      filters,
    });
    return toWorkloadPageResponse(entities, meta);
  }

  async get(principal: Principal, id: number): Promise<WorkloadDetailResponse> {
    const { document, mirrors } = await this.findWithMirrors(principal, id);
    return toWorkloadDetailResponse(document, mirrors);
  }

  /**
   * Refused while onboarding or while a registered blocker (live instances) counts users. The chart
   * leaves the repository first, outside any transaction, then the row goes: a failure in between
   * leaves the document in place, and deleting again finishes the job.
   */
  async delete(principal: Principal, id: number): Promise<void> {
    const document = await this.findOwned(principal, id);
    if (document.status === 'onboarding') throw new WorkloadOnboardingError(id);
    await this.checkBlockers(id);
    if (document.publishedDigest && !(await this.sharesPublishedChart(document))) {
      await this.helmRepo.unpublish(document.name, document.version, document.publishedDigest);
    }
    try {
      const result = await this.documents.delete({ id, status: Not('onboarding') });
      if (result.affected === 0 && (await this.documents.existsBy({ id }))) {
        throw new WorkloadOnboardingError(id);
      }
    } catch (error) {
      if (isDatabaseError(error, FOREIGN_KEY_VIOLATION)) {
        throw new WorkloadInUseError(id, 'other records refer to it');
      }
      throw error;
    }
  }

  /** 404 if not visible to the principal (tenantScope), 409 (code workload_not_accepted) unless status is accepted. */
  async findInstantiable(principal: Principal, id: number): Promise<InstantiableWorkload> {
    const { document, mirrors } = await this.findWithMirrors(principal, id);
    if (document.status !== 'accepted' || !document.publishedDigest) {
      throw new WorkloadNotAcceptedError(id, document.status);
    }
    return {
      id: document.id,
      name: document.name,
      version: document.version,
      ingressSupport: document.ingressSupport,
      tenant: document.tenant,
      imageMirrors: mirrors.map(({ source, mirrored, digest }) => ({ source, mirrored, digest })),
      chartDigest: document.publishedDigest,
      renderPolicy: {
        allowedKinds: document.allowedKinds,
        podSecurity: document.podSecurityProfile,
      },
      rendersDeterministic: document.rendersDeterministic === true,
    };
  }

  /**
   * Admins only: replaces the render policy of a document (kinds its instances may render beyond
   * the namespaced application kinds, and its Pod Security profile). Instances rendered before keep
   * what they rendered; the policy applies to every later render.
   */
  async setRenderPolicy(
    principal: Principal,
    id: number,
    body: RenderPolicyDto,
  ): Promise<WorkloadResponse> {
    if (!isAdmin(principal)) {
      throw new DomainError(
        403,
        'admin_required',
        'Forbidden',
        'Only admins may change the render policy of a workload document',
      );
    }
    const document = await this.findOwned(principal, id);
    await this.documents.update(
      { id: document.id },
      { allowedKinds: body.allowed_kinds, podSecurityProfile: body.pod_security ?? null },
    );
    return toWorkloadResponse(await this.findOwned(principal, id));
  }

  /** Other modules (instances) register a check; delete answers 409 when any returns > 0. */
  registerDeletionBlocker(blocker: DeletionBlocker, label: string): void {
    this.blockers.push({ blocker, label });
  }

  private async checkBlockers(id: number): Promise<void> {
    const counts = await Promise.all(
      this.blockers.map(async ({ blocker, label }) => ({ label, count: await blocker(id) })),
    );
    const blocking = counts.filter(({ count }) => count > 0);
    if (blocking.length > 0) {
      throw new WorkloadInUseError(
        id,
        blocking.map(({ label, count }) => `${count} ${label}`).join(', '),
      );
    }
  }

  /** Another tenant's accepted document published the very same package: the chart must stay. */
  private sharesPublishedChart(document: WorkloadDocument): Promise<boolean> {
    return this.documents.existsBy({
      id: Not(document.id),
      name: document.name,
      version: document.version,
      publishedDigest: document.publishedDigest ?? '',
      status: 'accepted',
    });
  }

  /**
   * The document and its image mirrors in one round trip, then checked against the caller's tenant
   * (the mirrors of a document the caller may not see are read but never answered); 404 outside it.
   */
  private async findWithMirrors(
    principal: Principal,
    id: number,
  ): Promise<{ document: WorkloadDocument; mirrors: WorkloadImageMirror[] }> {
    const [[document], mirrors] = await leanFindAll(this.documents.manager, [
      lean(WorkloadDocument, { where: { id } }),
      lean(WorkloadImageMirror, { where: { documentId: id }, order: { id: 'ASC' } }),
    ]);
    if (!document || isForeign(principal, document.tenant))
      throw new NotFoundError('workload_document', id);
    return { document, mirrors };
  }

  private async findOwned(principal: Principal, id: number): Promise<WorkloadDocument> {
    const document = await leanFindOne(this.documents.manager, WorkloadDocument, {
      id,
      ...tenantScope(principal),
    });
    if (!document) throw new NotFoundError('workload_document', id);
    return document;
  }

  private async lockOwned(
    manager: EntityManager,
    principal: Principal,
    id: number,
  ): Promise<WorkloadDocument> {
    const document = await manager.findOne(WorkloadDocument, {
      where: { id, ...tenantScope(principal) },
      lock: { mode: 'pessimistic_write' },
    });
    if (!document) throw new NotFoundError('workload_document', id);
    return document;
  }
}

/**
 * The optional `provenance` part: a non-empty file of at most PROVENANCE_MAX_BYTES (an upload
 * stops keeping a larger one as it streams in, ChartPackageInterceptor; the rule holds here for
 * any caller).
 */
function checkProvenancePart(provenance: Buffer | undefined): void {
  if (provenance === undefined) return;
  if (provenance.length === 0) throw new InvalidProvenancePartError('is empty');
  if (provenance.length > PROVENANCE_MAX_BYTES)
    throw new InvalidProvenancePartError(
      `is ${provenance.length} bytes; a provenance file has at most ${PROVENANCE_MAX_BYTES}`,
    );
}

function isDatabaseError(error: unknown, code: string): boolean {
  return (
    error instanceof QueryFailedError && (error.driverError as { code?: string }).code === code
  );
}
