import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Not, Repository } from 'typeorm';
import { REJECTION_REASON_MAX_LENGTH } from '../../common/validation/bounds';
import { OutboxService } from '../../events/outbox.service';
import { WorkloadDocument } from '../entities/workload-document.entity';
import { WorkloadImageMirror } from '../entities/workload-image-mirror.entity';
import { WorkloadPackage } from '../entities/workload-package.entity';
import { uploadEvent } from '../workload.events';
import { objectChange } from '../../subscription/subscription-events';
import { SubscriptionService } from '../../subscription/subscription.service';
import { VerifiedProvenance } from '../provenance/chart-provenance.service';
import { ExpectedImage, MirroredImage } from './mirror-plan';
import { OnboardJobData } from './onboarding.queue';

export type ProgressFields = Pick<
  WorkloadDocument,
  'onboardingStep' | 'imagesTotal' | 'imagesDone'
>;

/** How an upload leaves `onboarding`: accepted (with the chart's render verdict) or rejected. */
export type Conclusion =
  | { status: 'accepted'; rendersDeterministic: boolean; signature: VerifiedProvenance | null }
  | { status: 'rejected'; reason: string };

/** What onboarding reads and writes, as its service sees it (tests give it a fake). */
export type OnboardingRecords = Pick<OnboardingStore, keyof OnboardingStore>;

/** The rows one onboarding reads and writes; every write is guarded by the upload it belongs to. */
@Injectable()
export class OnboardingStore {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(WorkloadDocument) private readonly documents: Repository<WorkloadDocument>,
    @InjectRepository(WorkloadPackage) private readonly packages: Repository<WorkloadPackage>,
    @InjectRepository(WorkloadImageMirror)
    private readonly mirrors: Repository<WorkloadImageMirror>,
    private readonly outbox: OutboxService,
    private readonly subscriptions: SubscriptionService,
  ) {}

  /** The document and the package of this upload, each null when missing. */
  async load(
    job: OnboardJobData,
  ): Promise<{ document: WorkloadDocument | null; package_: WorkloadPackage | null }> {
    // Both at once: a superseded job fetching a package it does not use is rare.
    const [document, package_] = await Promise.all([
      this.documents.findOneBy({ id: job.documentId }),
      this.packages.findOneBy({ documentId: job.documentId, uploadSeq: job.uploadSeq }),
    ]);
    return { document, package_ };
  }

  /** Progress of the upload, only while it is still the one onboarding. */
  async recordProgress(job: OnboardJobData, change: Partial<ProgressFields>): Promise<void> {
    await this.documents.update(
      { id: job.documentId, uploadSeq: job.uploadSeq, status: 'onboarding' },
      change,
    );
  }

  /** Images the tenant's other documents of this chart were mirrored with, newest first. */
  async earlierImages(document: WorkloadDocument, limit: number): Promise<ExpectedImage[]> {
    const rows = await this.mirrors
      .createQueryBuilder('mirror')
      .innerJoin(WorkloadDocument, 'document', 'document.id = mirror.documentId')
      .select('mirror.source', 'source')
      .addSelect('mirror.digest', 'digest')
      .where('document.tenant = :tenant', { tenant: document.tenant })
      .andWhere('document.name = :name', { name: document.name })
      .andWhere('document.id <> :id', { id: document.id })
      .orderBy('mirror.documentId', 'DESC')
      .addOrderBy('mirror.id', 'ASC')
      .limit(limit)
      .getRawMany<{ source: string; digest: string }>();
    return rows.map((row) => ({ image: row.source, earlierDigest: row.digest }));
  }

  /** Whether another document published this name and version with other bytes. */
  publishedByOthers(document: WorkloadDocument, digest: string): Promise<boolean> {
    return this.documents.existsBy({
      id: Not(document.id),
      name: document.name,
      version: document.version,
      status: 'accepted',
      publishedDigest: Not(digest),
    });
  }

  async recordMirrors(documentId: number, images: MirroredImage[]): Promise<void> {
    await this.mirrors.upsert(
      images.map((image) => ({
        documentId,
        source: image.source,
        mirrored: image.mirrored,
        digest: image.digest,
        copied: image.copied,
        companions: image.companions,
      })),
      ['documentId', 'source'],
    );
  }

  /**
   * The status change, its `upload` event and the package's removal in one transaction, only if
   * the document is still onboarding this very upload. Answers whether it applied.
   */
  async conclude(job: OnboardJobData, conclusion: Conclusion): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const change =
        conclusion.status === 'accepted'
          ? {
              status: conclusion.status,
              onboardingStep: 'done' as const,
              rejectionReason: null,
              acceptedAt: new Date(),
              publishedDigest: () => 'package_digest',
              rendersDeterministic: conclusion.rendersDeterministic,
              provenanceSigner: conclusion.signature?.signer ?? null,
              provenanceKeyFingerprint: conclusion.signature?.keyFingerprint ?? null,
            }
          : { status: conclusion.status, rejectionReason: truncate(conclusion.reason) };
      const result = await manager.update(
        WorkloadDocument,
        { id: job.documentId, uploadSeq: job.uploadSeq, status: 'onboarding' },
        change,
      );
      if (!result.affected) return false;
      const document = await manager.findOneByOrFail(WorkloadDocument, { id: job.documentId });
      await this.outbox.add(manager, 'upload', uploadEvent(document), {
        type: 'workload_document',
        id: document.id,
      });
      await this.subscriptions.record(
        manager,
        objectChange('workload.onboarding.finished', document.tenant, document.id, {
          ...uploadEvent(document),
          rejection_reason: document.rejectionReason,
        }),
      );
      await manager.delete(WorkloadPackage, {
        documentId: job.documentId,
        uploadSeq: job.uploadSeq,
      });
      return true;
    });
  }
}

function truncate(reason: string): string {
  return reason.length > REJECTION_REASON_MAX_LENGTH
    ? `${reason.slice(0, REJECTION_REASON_MAX_LENGTH - 1)}…`
    : reason;
}
