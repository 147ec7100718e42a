import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Not, Repository } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { OutboxService } from '../../events/outbox.service';
import { indexMetadataProblem } from '../../helm-repo/helm-index';
import { HelmRepoService } from '../../helm-repo/helm-repo.service';
import {
  ChartArchive,
  ChartArchiveError,
  readChartArchive,
} from '../../infra/chart-archive/chart-archive';
import { OnboardingStep, WorkloadDocument } from '../entities/workload-document.entity';
import { WorkloadImageMirror } from '../entities/workload-image-mirror.entity';
import { WorkloadPackage } from '../entities/workload-package.entity';
import { onboardingProgress, OnboardingProgress } from '../onboarding-progress';
import { uploadEvent } from '../workload.service';
import { objectChange } from '../../subscription/subscription-events';
import { SubscriptionService } from '../../subscription/subscription.service';
import { ChartValidator, ValidatedChart } from './chart-validator';
import { coalescing } from './coalescing';
import {
  DigestChecks,
  ImageMirrorService,
  ImageRejection,
  MirroredImage,
} from './image-mirror.service';
import { ChartProvenanceService, VerifiedProvenance } from '../provenance/chart-provenance.service';
import { OnboardJobData } from './onboarding.queue';
import { Rejection } from './rejection';
import { REJECTION_REASON_MAX_LENGTH } from '../../common/validation/bounds';

export type OnboardingOutcome = 'accepted' | 'rejected' | 'superseded';

export interface OnboardingContext {
  /** Reports progress to the job (BullMQ `updateProgress`). */
  progress(progress: OnboardingProgress): Promise<void>;
  /** No retry follows a failure of this attempt: record it as a rejection. */
  finalAttempt: boolean;
  /** The job's attempts, as enqueued (the enqueuing process's ONBOARDING_ATTEMPTS). */
  attempts?: number;
}

/** Images of earlier versions whose registry digests are checked while helm still runs. */
const MAX_EXPECTED_IMAGES = 32;

type ProgressFields = Pick<WorkloadDocument, 'onboardingStep' | 'imagesTotal' | 'imagesDone'>;
type Step = (change: Partial<ProgressFields>) => Promise<void>;

interface Upload {
  document: WorkloadDocument;
  package_: WorkloadPackage;
}

/**
 * The onboarding of one upload. Every step can run again after a crash (kill -9, stalled job):
 * validation is pure, mirroring skips images already in the registry, publishing leaves an equal
 * index entry alone, and the final status change (with its event) happens once, guarded by the
 * document's status and upload number.
 */
@Injectable()
export class OnboardingService {
  private readonly logger = new Logger(OnboardingService.name);

  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(WorkloadDocument) private readonly documents: Repository<WorkloadDocument>,
    @InjectRepository(WorkloadPackage) private readonly packages: Repository<WorkloadPackage>,
    @InjectRepository(WorkloadImageMirror)
    private readonly mirrors: Repository<WorkloadImageMirror>,
    private readonly validator: ChartValidator,
    private readonly imageMirror: ImageMirrorService,
    private readonly helmRepo: HelmRepoService,
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
    private readonly subscriptions: SubscriptionService,
    private readonly provenance: ChartProvenanceService,
  ) {}

  async run(job: OnboardJobData, context: OnboardingContext): Promise<OnboardingOutcome> {
    const upload = await this.current(job);
    if (!upload) return 'superseded';
    try {
      const { archive, signature } = await this.onboard(upload, context);
      const deterministic = archive.nonDeterministic.length === 0;
      const accepted = await this.finish(job, 'accepted', null, deterministic, signature);
      return accepted ? 'accepted' : 'superseded';
    } catch (error) {
      if (error instanceof Rejection || error instanceof ImageRejection) {
        return (await this.finish(job, 'rejected', error.message)) ? 'rejected' : 'superseded';
      }
      if (!context.finalAttempt) throw error;
      const reason = `onboarding failed after ${context.attempts ?? this.config.ONBOARDING_ATTEMPTS} attempts: ${message(error)}`;
      this.logger.error(`Workload document ${job.documentId}: ${reason}`);
      return (await this.finish(job, 'rejected', reason)) ? 'rejected' : 'superseded';
    }
  }

  /** Records an upload whose job failed for good as rejected; answers whether it applied. */
  giveUp(job: OnboardJobData, reason: string): Promise<boolean> {
    return this.finish(job, 'rejected', reason);
  }

  /** The document and package of this upload, or undefined when the job no longer applies. */
  private async current(job: OnboardJobData): Promise<Upload | undefined> {
    // Both at once: a superseded job fetching a package it does not use is rare.
    const [document, package_] = await Promise.all([
      this.documents.findOneBy({ id: job.documentId }),
      this.packages.findOneBy({ documentId: job.documentId, uploadSeq: job.uploadSeq }),
    ]);
    if (!document || document.status !== 'onboarding' || document.uploadSeq !== job.uploadSeq)
      return undefined;
    if (!package_) {
      await this.finish(
        job,
        'rejected',
        'the uploaded package is no longer stored; upload it again',
      );
      return undefined;
    }
    return { document, package_ };
  }

  /** Resolves with what the package's archive told, and who signed it, once the chart is published. */
  private async onboard(
    upload: Upload,
    context: OnboardingContext,
  ): Promise<{ archive: ChartArchive; signature: VerifiedProvenance | null }> {
    const { document, package_ } = upload;
    const step = this.progressOf(document, context);
    const checked = this.checkExpectedImages(document);
    // Progress writes run beside the work they announce; each phase waits for its own.
    const validating = step({ onboardingStep: 'validating' });
    validating.catch(() => undefined);
    const archive = await this.validatePackage(document, package_.content);
    const signed = this.checkProvenance(upload);
    signed.catch(() => undefined);
    // helm starts at once; the repository check runs meanwhile and its refusal comes first.
    const validation = this.validator.validate({
      bytes: package_.content,
      digest: package_.digest,
      name: document.name,
      version: document.version,
      nonDeterministic: archive.nonDeterministic,
    });
    validation.catch(() => undefined);
    await Promise.all([
      validating,
      step({ onboardingStep: 'linting' }),
      this.checkNotPublishedByOthers(document, package_.digest),
    ]);
    const chart = await validation;
    const signature = await signed;
    await this.mirror(document, chart, step, await checked);
    const outcome = await alongside(
      step({ onboardingStep: 'publishing' }),
      this.helmRepo.publish({
        bytes: package_.content,
        digest: package_.digest,
        metadata: archive.metadata,
        provenance: signature?.provenance,
      }),
    );
    if (outcome === 'conflict') throw this.publishedByOthers(document);
    return { archive, signature };
  }

  /** `helm verify` under CHART_PROVENANCE, beside helm lint; its rejection stops the mirroring. */
  private checkProvenance({ document, package_ }: Upload): Promise<VerifiedProvenance | null> {
    return this.provenance.check({
      name: document.name,
      version: document.version,
      bytes: package_.content,
      provenance: package_.provenance,
    });
  }

  /**
   * The images are checked against the registry while `helm lint` may still run, and copied only
   * once it passed. Both settle before this returns, lint's verdict first. Images finishing
   * together (digests checked ahead) are recorded with one statement rather than one each.
   */
  private async mirror(
    document: WorkloadDocument,
    chart: ValidatedChart,
    step: Step,
    checked: DigestChecks,
  ): Promise<void> {
    const started = step({
      onboardingStep: 'mirroring',
      imagesTotal: chart.images.length,
      imagesDone: 0,
    });
    let done = 0;
    const record = coalescing<MirroredImage[]>(
      (queued, next) => [...queued, ...next],
      (images) => this.recordMirrors(document.id, images),
    );
    const mirroring = this.imageMirror.mirrorAll(
      chart.images,
      async (mirrored) => {
        await record([mirrored]);
        done += 1;
        await step({ imagesDone: done });
      },
      chart.linted,
      checked,
    );
    const [linted, mirrored, written] = await Promise.allSettled([
      chart.linted,
      mirroring,
      started,
    ]);
    if (linted.status === 'rejected') throw linted.reason;
    if (mirrored.status === 'rejected') throw mirrored.reason;
    if (written.status === 'rejected') throw written.reason;
  }

  /**
   * A new version of a chart mostly keeps the images of the earlier ones: the registry digest checks
   * of the images this tenant's other documents of the chart were mirrored with start now, while
   * helm still renders; mirroring takes the answers of the images the render really names.
   */
  private async checkExpectedImages(document: WorkloadDocument): Promise<DigestChecks> {
    try {
      const rows = await this.mirrors
        .createQueryBuilder('mirror')
        .innerJoin(WorkloadDocument, 'document', 'document.id = mirror.documentId')
        .select('mirror.source', 'source')
        .where('document.tenant = :tenant', { tenant: document.tenant })
        .andWhere('document.name = :name', { name: document.name })
        .andWhere('document.id <> :id', { id: document.id })
        .orderBy('mirror.documentId', 'DESC')
        .addOrderBy('mirror.id', 'ASC')
        .limit(MAX_EXPECTED_IMAGES)
        .getRawMany<{ source: string }>();
      return this.imageMirror.checkAhead(rows.map((row) => row.source));
    } catch (error) {
      this.logger.warn(`No digest checks ahead for ${document.id}: ${message(error)}`);
      return new Map();
    }
  }

  /**
   * Progress goes to the row (GET /workloads/{id} in any process) and to the job, computed from
   * what this run did rather than read back. Images finishing together (digests checked ahead)
   * share a write instead of queueing on the row's lock one by one.
   */
  private progressOf(document: WorkloadDocument, context: OnboardingContext): Step {
    const where = { id: document.id, uploadSeq: document.uploadSeq, status: 'onboarding' as const };
    const current = {
      status: 'onboarding' as const,
      onboardingStep: null as OnboardingStep | null,
      imagesDone: 0,
      imagesTotal: 0,
    };
    const write = coalescing<Partial<ProgressFields>>(
      (queued, next) => ({ ...queued, ...next }),
      async (change) => {
        await this.documents.update(where, change);
        await context.progress(onboardingProgress(current)).catch(() => undefined);
      },
    );
    return (change) => {
      Object.assign(current, change);
      return write(change);
    };
  }

  /** Bounded in entries, bytes and time (subchart archives included), in this worker only. */
  private async validatePackage(document: WorkloadDocument, bytes: Buffer): Promise<ChartArchive> {
    let archive: ChartArchive;
    try {
      archive = await readChartArchive(bytes, {
        maxEntries: this.config.CHART_MAX_ENTRIES,
        maxUnpackedBytes: this.config.CHART_MAX_UNPACKED_BYTES,
        timeoutMs: this.config.CHART_READ_TIMEOUT_MS,
      });
    } catch (error) {
      if (error instanceof ChartArchiveError)
        throw new Rejection(`invalid chart package: ${error.message}`);
      throw error;
    }
    const { metadata } = archive;
    if (metadata.name !== document.name || metadata.version !== document.version) {
      throw new Rejection(
        `Chart.yaml names ${metadata.name} ${metadata.version} but the workload document is ` +
          `${document.name} ${document.version}: register the chart's name and version, or fix Chart.yaml`,
      );
    }
    const tooLarge = indexMetadataProblem(metadata, this.config.HELM_INDEX_ENTRY_MAX_BYTES);
    if (tooLarge) throw new Rejection(tooLarge);
    return archive;
  }

  /** Cheap early answer; the repository's index remains the arbiter when two publish at once. */
  private async checkNotPublishedByOthers(
    document: WorkloadDocument,
    digest: string,
  ): Promise<void> {
    const other = await this.documents.existsBy({
      id: Not(document.id),
      name: document.name,
      version: document.version,
      status: 'accepted',
      publishedDigest: Not(digest),
    });
    if (other) throw this.publishedByOthers(document);
  }

  private publishedByOthers(document: WorkloadDocument): Rejection {
    return new Rejection(
      `the NEMO Helm repository already holds ${document.name} ${document.version} with different ` +
        'content (published by another workload document); publish under another version',
    );
  }

  private async recordMirrors(documentId: number, images: MirroredImage[]): Promise<void> {
    await this.mirrors.upsert(
      images.map((image) => ({
        documentId,
        source: image.source,
        mirrored: image.mirrored,
        digest: image.digest,
        copied: image.copied,
      })),
      ['documentId', 'source'],
    );
  }

  /**
   * The status change, its `upload` event and the package's removal in one transaction, only if
   * the document is still onboarding this very upload. Answers whether it applied.
   */
  private async finish(
    job: OnboardJobData,
    status: 'accepted' | 'rejected',
    reason: string | null,
    rendersDeterministic: boolean | null = null,
    signature: VerifiedProvenance | null = null,
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const change =
        status === 'accepted'
          ? {
              status,
              onboardingStep: 'done' as const,
              rejectionReason: null,
              acceptedAt: new Date(),
              publishedDigest: () => 'package_digest',
              rendersDeterministic,
              provenanceSigner: signature?.signer ?? null,
              provenanceKeyFingerprint: signature?.keyFingerprint ?? null,
            }
          : { status, rejectionReason: truncate(reason ?? 'rejected') };
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

/** Waits for `work` and the progress write beside it; the work's failure is the one reported. */
async function alongside<T>(progress: Promise<void>, work: Promise<T>): Promise<T> {
  const [written, done] = await Promise.allSettled([progress, work]);
  if (done.status === 'rejected') throw done.reason;
  if (written.status === 'rejected') throw written.reason;
  return done.value;
}

function truncate(reason: string): string {
  return reason.length > REJECTION_REASON_MAX_LENGTH
    ? `${reason.slice(0, REJECTION_REASON_MAX_LENGTH - 1)}…`
    : reason;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
