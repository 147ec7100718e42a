import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource, Not, Repository } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { OutboxService } from '../../events/outbox.service';
import { HelmRepoService } from '../../helm-repo/helm-repo.service';
import {
  ChartArchiveError,
  ChartMetadata,
  readChartArchive,
} from '../../infra/chart-archive/chart-archive';
import { HELM, Helm, HelmError } from '../../infra/helm/helm.port';
import { OnboardingStep, WorkloadDocument } from '../entities/workload-document.entity';
import { WorkloadImageMirror } from '../entities/workload-image-mirror.entity';
import { WorkloadPackage } from '../entities/workload-package.entity';
import { onboardingProgress, OnboardingProgress } from '../onboarding-progress';
import { uploadEvent } from '../workload.service';
import { collectImages, RenderedYamlError } from './image-collector';
import { ImageMirrorService, ImageRejection, MirroredImage } from './image-mirror.service';
import { OnboardJobData } from './onboarding.queue';

/** The chart cannot be accepted; the message is the reason shown to the person who uploaded it. */
export class Rejection extends Error {}

export type OnboardingOutcome = 'accepted' | 'rejected' | 'superseded';

export interface OnboardingContext {
  /** Reports progress to the job (BullMQ `updateProgress`). */
  progress(progress: OnboardingProgress): Promise<void>;
  /** No retry follows a failure of this attempt: record it as a rejection. */
  finalAttempt: boolean;
}

const MAX_REASON_LENGTH = 4000;
/** Release name for the validation render: any valid name; the chart's own is the natural one. */
const CHECK_NAMESPACE = 'default';

type Step = (
  change: Partial<Pick<WorkloadDocument, 'onboardingStep' | 'imagesTotal' | 'imagesDone'>>,
) => Promise<void>;

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
    @Inject(HELM) private readonly helm: Helm,
    private readonly imageMirror: ImageMirrorService,
    private readonly helmRepo: HelmRepoService,
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
  ) {}

  async run(job: OnboardJobData, context: OnboardingContext): Promise<OnboardingOutcome> {
    const upload = await this.current(job);
    if (!upload) return 'superseded';
    try {
      await this.onboard(upload, context);
      return (await this.finish(job, 'accepted', null)) ? 'accepted' : 'superseded';
    } catch (error) {
      if (error instanceof Rejection || error instanceof ImageRejection) {
        return (await this.finish(job, 'rejected', error.message)) ? 'rejected' : 'superseded';
      }
      if (!context.finalAttempt) throw error;
      const reason = `onboarding failed after ${this.config.ONBOARDING_ATTEMPTS} attempts: ${message(error)}`;
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
    const document = await this.documents.findOneBy({ id: job.documentId });
    if (!document || document.status !== 'onboarding' || document.uploadSeq !== job.uploadSeq)
      return undefined;
    const package_ = await this.packages.findOneBy({
      documentId: job.documentId,
      uploadSeq: job.uploadSeq,
    });
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

  private async onboard(upload: Upload, context: OnboardingContext): Promise<void> {
    const { document, package_ } = upload;
    const step = this.progressOf(document, context);
    await step({ onboardingStep: 'validating' });
    const metadata = await this.validatePackage(document, package_.content);
    await this.checkNotPublishedByOthers(document, package_.digest);
    await step({ onboardingStep: 'linting' });
    await this.withPackageFile(document, package_, (path) =>
      this.checkAndMirror(path, document, step),
    );
    await step({ onboardingStep: 'publishing' });
    const outcome = await this.helmRepo.publish({
      bytes: package_.content,
      digest: package_.digest,
      metadata,
    });
    if (outcome === 'conflict') throw this.publishedByOthers(document);
  }

  /**
   * `helm lint` and `helm template` run side by side (two processes, two cores); the images of the
   * render are checked against the registry while lint still runs, and copied only once lint passed.
   * Both branches settle before this returns, lint's verdict first.
   */
  private async checkAndMirror(
    path: string,
    document: WorkloadDocument,
    step: Step,
  ): Promise<void> {
    const lint = this.lint(path);
    lint.catch(() => undefined);
    const images = this.imagesOf(await this.render(path, document.name, lint));
    await step({ onboardingStep: 'mirroring', imagesTotal: images.length, imagesDone: 0 });
    let done = 0;
    const mirroring = this.imageMirror.mirrorAll(
      images,
      async (mirrored) => {
        await this.recordMirror(document.id, mirrored);
        done += 1;
        await step({ imagesDone: done });
      },
      lint,
    );
    const [linted, mirrored] = await Promise.allSettled([lint, mirroring]);
    if (linted.status === 'rejected') throw linted.reason;
    if (mirrored.status === 'rejected') throw mirrored.reason;
  }

  private async lint(path: string): Promise<void> {
    const lint = await this.helm.lint(path);
    if (!lint.ok) throw new Rejection(`helm lint failed:\n${lintFindings(lint.messages)}`);
  }

  /** The render with default values; when it fails, a failing lint is the reason given first. */
  private async render(path: string, releaseName: string, lint: Promise<void>): Promise<string> {
    try {
      return await this.helm.template(path, { releaseName, namespace: CHECK_NAMESPACE });
    } catch (error) {
      if (!(error instanceof HelmError)) throw error;
      await lint;
      throw new Rejection(
        `helm template failed with the default values:\n${helmErrors(error.message)}`,
      );
    }
  }

  /**
   * Progress goes to the row (GET /workloads/{id} in any process) and to the job, computed from
   * what this run did rather than read back.
   */
  private progressOf(document: WorkloadDocument, context: OnboardingContext): Step {
    const where = { id: document.id, uploadSeq: document.uploadSeq, status: 'onboarding' as const };
    const current = {
      status: 'onboarding' as const,
      onboardingStep: null as OnboardingStep | null,
      imagesDone: 0,
      imagesTotal: 0,
    };
    return async (change) => {
      Object.assign(current, change);
      await this.documents.update(where, change);
      await context.progress(onboardingProgress(current)).catch(() => undefined);
    };
  }

  private async validatePackage(document: WorkloadDocument, bytes: Buffer): Promise<ChartMetadata> {
    let metadata: ChartMetadata;
    try {
      ({ metadata } = await readChartArchive(bytes, {
        maxEntries: this.config.CHART_MAX_ENTRIES,
        maxUnpackedBytes: this.config.CHART_MAX_UNPACKED_BYTES,
      }));
    } catch (error) {
      if (error instanceof ChartArchiveError)
        throw new Rejection(`invalid chart package: ${error.message}`);
      throw error;
    }
    if (metadata.name !== document.name || metadata.version !== document.version) {
      throw new Rejection(
        `Chart.yaml names ${metadata.name} ${metadata.version} but the workload document is ` +
          `${document.name} ${document.version}: register the chart's name and version, or fix Chart.yaml`,
      );
    }
    return metadata;
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

  private imagesOf(rendered: string): string[] {
    try {
      return collectImages(rendered);
    } catch (error) {
      if (error instanceof RenderedYamlError) throw new Rejection(error.message);
      throw error;
    }
  }

  private async withPackageFile<T>(
    document: WorkloadDocument,
    package_: WorkloadPackage,
    work: (path: string) => Promise<T>,
  ): Promise<T> {
    const parent = join(this.config.WORK_DIR, 'onboarding');
    await mkdir(parent, { recursive: true });
    const dir = await mkdtemp(join(parent, `${document.id}-${package_.uploadSeq}-`));
    const path = join(dir, `${document.name}-${document.version}.tgz`);
    await writeFile(path, package_.content, { mode: 0o600 });
    try {
      return await work(path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async recordMirror(documentId: number, image: MirroredImage): Promise<void> {
    await this.mirrors.upsert(
      {
        documentId,
        source: image.source,
        mirrored: image.mirrored,
        digest: image.digest,
        copied: image.copied,
      },
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
  ): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const change =
        status === 'accepted'
          ? {
              status,
              onboardingStep: 'done' as const,
              rejectionReason: null,
              acceptedAt: new Date(),
            }
          : { status, rejectionReason: truncate(reason ?? 'rejected') };
      const result = await manager.update(
        WorkloadDocument,
        { id: job.documentId, uploadSeq: job.uploadSeq, status: 'onboarding' },
        change,
      );
      if (!result.affected) return false;
      const document = await manager.findOneByOrFail(WorkloadDocument, { id: job.documentId });
      if (status === 'accepted') {
        document.publishedDigest = document.packageDigest;
        await manager.update(
          WorkloadDocument,
          { id: document.id },
          { publishedDigest: document.packageDigest },
        );
      }
      await this.outbox.add(manager, 'upload', uploadEvent(document), {
        type: 'workload_document',
        id: document.id,
      });
      await manager.delete(WorkloadPackage, {
        documentId: job.documentId,
        uploadSeq: job.uploadSeq,
      });
      return true;
    });
  }
}

/** What a person acts on: helm's errors and warnings, without its INFO chatter. */
function lintFindings(messages: string): string {
  const lines = messages.split('\n').filter((line) => !line.startsWith('[INFO]'));
  return lines.join('\n') || messages;
}

function helmErrors(stderr: string): string {
  const lines = stderr
    .split('\n')
    .filter((line) => !/^Use --debug flag/.test(line) && !/^level=(WARN|INFO|DEBUG)/.test(line))
    .filter((line) => line.trim() !== '');
  return lines.join('\n') || stderr;
}

function truncate(reason: string): string {
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
