import { Inject, Injectable, Logger } from '@nestjs/common';
import { coalescing } from '../../common/concurrency/coalescing';
import { Gate } from '../../common/concurrency/gate';
import { Overlap } from '../../common/concurrency/overlap';
import { HelmRepositoryConfig } from '../../config/slices/helm-repository.config';
import { MirrorConfig } from '../../config/slices/mirror.config';
import { OnboardingConfig } from '../../config/slices/onboarding.config';
import { indexMetadataProblem } from '../../helm-repo/helm-index';
import { HelmRepoService } from '../../helm-repo/helm-repo.service';
import {
  ChartArchive,
  ChartArchiveError,
  readChartArchive,
} from '../../infra/chart-archive/chart-archive';
import { OnboardingStep, WorkloadDocument } from '../entities/workload-document.entity';
import { WorkloadPackage } from '../entities/workload-package.entity';
import { onboardingProgress, OnboardingProgress } from '../onboarding-progress';
import { annotatedImages } from './annotated-images';
import { ChartValidator, ValidatedChart } from './chart-validator';
import { ImageMirrorService, ImageRejection } from './image-mirror.service';
import { ChartProvenanceService, VerifiedProvenance } from '../provenance/chart-provenance.service';
import { ExpectedImage, MirroredImage, MirrorPlan } from './mirror-plan';
import { OnboardJobData } from './onboarding.queue';
import { OnboardingRecords, OnboardingStore, ProgressFields } from './onboarding.store';
import { Rejection } from './rejection';

export type OnboardingOutcome = 'accepted' | 'rejected' | 'superseded';

export interface OnboardingContext {
  /** Reports progress to the job (BullMQ `updateProgress`). */
  progress(progress: OnboardingProgress): Promise<void>;
  /** No retry follows a failure of this attempt: record it as a rejection. */
  finalAttempt: boolean;
  /** The job's attempts, as enqueued (the enqueuing process's ONBOARDING_ATTEMPTS). */
  attempts?: number;
}

/** What onboarding needs of the Helm repository. */
export type ChartPublisher = Pick<HelmRepoService, 'publish'>;

/** Images of earlier versions whose registry digests are checked while helm still runs. */
const MAX_EXPECTED_IMAGES = 32;

/**
 * What an attempt reports when several of its pieces fail at once, first to last: the chart's own
 * refusals in the order a person fixes them (its archive, a name and version published by someone
 * else, its render, its lint findings, its signature), then its images, then publishing, and last the progress
 * writes that run beside all of them.
 */
export const FAILURE_RANKING = [
  'archive',
  'published-by-others',
  'chart',
  'lint',
  'provenance',
  'images',
  'publish',
  'progress',
  'expected-images',
] as const;

type Piece = (typeof FAILURE_RANKING)[number];
type Step = (change: Partial<ProgressFields>) => Promise<void>;

/** The package's archive, with the images its Chart.yaml declares (see annotatedImages). */
interface ReadChart extends ChartArchive {
  declaredImages: string[];
}

interface Upload {
  job: OnboardJobData;
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
    @Inject(OnboardingStore) private readonly store: OnboardingRecords,
    private readonly validator: ChartValidator,
    private readonly imageMirror: ImageMirrorService,
    @Inject(HelmRepoService) private readonly helmRepo: ChartPublisher,
    private readonly config: OnboardingConfig,
    private readonly provenance: ChartProvenanceService,
    private readonly mirrorConfig: MirrorConfig,
    private readonly helmRepository: HelmRepositoryConfig,
  ) {}

  async run(job: OnboardJobData, context: OnboardingContext): Promise<OnboardingOutcome> {
    const upload = await this.current(job);
    if (!upload) return 'superseded';
    try {
      const { archive, signature } = await this.onboard(upload, context);
      const accepted = {
        status: 'accepted' as const,
        rendersDeterministic: archive.nonDeterministic.length === 0,
        signature,
      };
      return (await this.store.conclude(job, accepted)) ? 'accepted' : 'superseded';
    } catch (error) {
      if (error instanceof Rejection || error instanceof ImageRejection) {
        return this.reject(job, error.message);
      }
      if (!context.finalAttempt) throw error;
      const reason = `onboarding failed after ${context.attempts ?? this.config.ONBOARDING_ATTEMPTS} attempts: ${message(error)}`;
      this.logger.error(`Workload document ${job.documentId}: ${reason}`);
      return this.reject(job, reason);
    }
  }

  /** Records an upload whose job failed for good as rejected; answers whether it applied. */
  giveUp(job: OnboardJobData, reason: string): Promise<boolean> {
    return this.store.conclude(job, { status: 'rejected', reason });
  }

  private async reject(job: OnboardJobData, reason: string): Promise<OnboardingOutcome> {
    return (await this.giveUp(job, reason)) ? 'rejected' : 'superseded';
  }

  /** The document and package of this upload, or undefined when the job no longer applies. */
  private async current(job: OnboardJobData): Promise<Upload | undefined> {
    const { document, package_ } = await this.store.load(job);
    if (!document || document.status !== 'onboarding' || document.uploadSeq !== job.uploadSeq)
      return undefined;
    if (!package_) {
      await this.giveUp(job, 'the uploaded package is no longer stored; upload it again');
      return undefined;
    }
    return { job, document, package_ };
  }

  /**
   * The phases of one attempt, top to bottom. Work that changes nothing outside starts early and
   * runs beside the phase that needs it: the digest checks of the images earlier versions used
   * and of those Chart.yaml declares, helm, the progress writes. Images are copied only once `helm lint` passed, the chart published
   * only once every image is mirrored. Everything started settles before this returns, and of
   * several failures the one reported follows FAILURE_RANKING. Resolves with what the package's
   * archive told and who signed it (`helm verify` under CHART_PROVENANCE, beside helm lint).
   */
  private async onboard(
    upload: Upload,
    context: OnboardingContext,
  ): Promise<{ archive: ChartArchive; signature: VerifiedProvenance | null }> {
    const { document, package_ } = upload;
    const work = new Overlap<Piece>(FAILURE_RANKING);
    const write = this.progressOf(upload.job, context);
    // Progress writes run beside the work they announce, each a piece of its own.
    const progress = (change: Partial<ProgressFields>): void =>
      void work.start('progress', write(change));
    const plan = this.imageMirror.plan();
    try {
      progress({ onboardingStep: 'validating' });
      work.start('expected-images', this.checkExpectedImages(document, plan));
      const archive = await work
        .start('archive', this.validatePackage(document, package_.content))
        .result();
      // Chart.yaml names these before helm runs: their digest checks start now (copies wait for lint).
      plan.checkAhead(archive.declaredImages.map((image) => ({ image })));

      // helm starts at once; the repository check and the progress write run meanwhile.
      const validated = work.start(
        'chart',
        this.validator.validate({
          bytes: package_.content,
          digest: package_.digest,
          name: document.name,
          version: document.version,
          nonDeterministic: archive.nonDeterministic,
        }),
      );
      const notPublished = work.start(
        'published-by-others',
        this.checkNotPublishedByOthers(document, package_.digest),
      );
      const signed = work.start('provenance', this.checkProvenance(upload));
      progress({ onboardingStep: 'linting' });
      const chart = await validated.result();
      work.start('lint', chart.lint.passed());
      await notPublished.result();
      // A signature that does not verify stops the onboarding before any image is copied.
      const signature = await signed.result();

      const images = imagesToMirror(chart, archive);
      progress(mirroringStarts(images));
      await work
        .start('images', this.mirror(document, images, chart.lint, plan, progress))
        .result();
      // Lint passed and every image is recorded: only now is the chart published.
      await work.settle();

      progress({ onboardingStep: 'publishing' });
      const publish = work.start(
        'publish',
        this.helmRepo.publish({
          bytes: package_.content,
          digest: package_.digest,
          metadata: archive.metadata,
          provenance: signature?.provenance,
        }),
      );
      const published = await publish.result();
      await work.settle();
      if (published === 'conflict') throw this.publishedByOthers(document);
      return { archive, signature };
    } finally {
      await plan.close();
    }
  }

  private checkProvenance({ document, package_ }: Upload): Promise<VerifiedProvenance | null> {
    return this.provenance.check({
      name: document.name,
      version: document.version,
      bytes: package_.content,
      provenance: package_.provenance,
    });
  }

  /**
   * Copies wait for `helm lint`; digest checks do not. Images finishing together (digests checked
   * ahead) are recorded with one statement rather than one each.
   */
  private async mirror(
    document: WorkloadDocument,
    images: string[],
    lint: Gate,
    plan: MirrorPlan,
    progress: (change: Partial<ProgressFields>) => void,
  ): Promise<void> {
    let done = 0;
    const record = coalescing<MirroredImage[]>(
      (queued, next) => [...queued, ...next],
      (images) => this.store.recordMirrors(document.id, images),
    );
    await plan.mirror(images, {
      copyAfter: lint,
      onMirrored: async (mirrored) => {
        await record([mirrored]);
        done += 1;
        progress({ imagesDone: done });
      },
    });
  }

  /**
   * A new version of a chart mostly keeps the images of the earlier ones: the registry digest checks
   * of the images this tenant's other documents of the chart were mirrored with start now, while
   * helm still renders; mirroring takes the answers of the images the render really names.
   */
  private async checkExpectedImages(document: WorkloadDocument, plan: MirrorPlan): Promise<void> {
    let images: ExpectedImage[];
    try {
      images = await this.store.earlierImages(document, MAX_EXPECTED_IMAGES);
    } catch (error) {
      this.logger.warn(`No digest checks ahead for ${document.id}: ${message(error)}`);
      return;
    }
    plan.checkAhead(images);
  }

  /**
   * Progress goes to the row (GET /workloads/{id} in any process) and to the job, computed from
   * what this run did rather than read back. Changes arriving while a write is in flight share the
   * next write instead of queueing on the row's lock one by one.
   */
  private progressOf(job: OnboardJobData, context: OnboardingContext): Step {
    const current = {
      status: 'onboarding' as const,
      onboardingStep: null as OnboardingStep | null,
      imagesDone: 0,
      imagesTotal: 0,
    };
    const write = coalescing<Partial<ProgressFields>>(
      (queued, next) => ({ ...queued, ...next }),
      async (change) => {
        await this.store.recordProgress(job, change);
        await this.reportToJob(job, context, onboardingProgress(current));
      },
    );
    return (change) => {
      Object.assign(current, change);
      return write(change);
    };
  }

  /** The job's copy of the progress is for queue dashboards: losing one costs nothing else. */
  private async reportToJob(
    job: OnboardJobData,
    context: OnboardingContext,
    progress: OnboardingProgress,
  ): Promise<void> {
    try {
      await context.progress(progress);
    } catch (error) {
      this.logger.warn(`Progress of ${job.documentId} not reported to its job: ${message(error)}`);
    }
  }

  /** Bounded in entries, bytes and time (subchart archives included), in this worker only. */
  private async validatePackage(document: WorkloadDocument, bytes: Buffer): Promise<ReadChart> {
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
    const tooLarge = indexMetadataProblem(metadata, this.helmRepository.HELM_INDEX_ENTRY_MAX_BYTES);
    if (tooLarge) throw new Rejection(tooLarge);
    return {
      ...archive,
      declaredImages: annotatedImages(metadata, this.mirrorConfig.IMAGE_MAX_PER_CHART),
    };
  }

  /** Cheap early answer; the repository's index remains the arbiter when two publish at once. */
  private async checkNotPublishedByOthers(
    document: WorkloadDocument,
    digest: string,
  ): Promise<void> {
    if (await this.store.publishedByOthers(document, digest))
      throw this.publishedByOthers(document);
  }

  private publishedByOthers(document: WorkloadDocument): Rejection {
    return new Rejection(
      `the NEMO Helm repository already holds ${document.name} ${document.version} with different ` +
        'content (published by another workload document); publish under another version',
    );
  }
}

/**
 * The images of the default-values render (hook templates included: `helm template` renders them)
 * and those Chart.yaml declares in `artifacthub.io/images`.
 */
function imagesToMirror(chart: ValidatedChart, archive: ReadChart): string[] {
  return [...new Set([...chart.images, ...archive.declaredImages])];
}

function mirroringStarts(images: string[]): Partial<ProgressFields> {
  return { onboardingStep: 'mirroring', imagesTotal: images.length, imagesDone: 0 };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
