import { createHash } from 'node:crypto';
import { ChartPackage, PublishOutcome } from '../../src/helm-repo/helm-repo.service';
import { WorkloadDocument } from '../../src/workload/entities/workload-document.entity';
import { WorkloadPackage } from '../../src/workload/entities/workload-package.entity';
import { StoredVerdicts, VerdictKey } from '../../src/workload/jobs/chart-verdicts';
import { ExpectedImage, MirroredImage } from '../../src/workload/jobs/mirror-plan';
import { OnboardJobData } from '../../src/workload/jobs/onboarding.queue';
import { ChartPublisher } from '../../src/workload/jobs/onboarding.service';
import {
  Conclusion,
  OnboardingRecords,
  ProgressFields,
} from '../../src/workload/jobs/onboarding.store';

/**
 * Onboarding's rows in memory, with the same guard as OnboardingStore: writes apply only while the
 * document is onboarding the job's upload. `failNext` makes the next call of a method reject once.
 */
export class MemoryOnboardingStore implements OnboardingRecords {
  readonly documents = new Map<number, WorkloadDocument>();
  readonly packages: WorkloadPackage[] = [];
  readonly mirrors = new Map<number, MirroredImage[]>();
  /** Terminal `upload` events, as the outbox would hold them. */
  readonly events: Array<{ id: number; status: string }> = [];
  readonly progress: Array<Partial<ProgressFields>> = [];
  private readonly failures = new Map<keyof OnboardingRecords, Error>();

  /** A document onboarding its first upload of `bytes`. */
  upload(document: Partial<WorkloadDocument> & { name: string; version: string }, bytes: Buffer) {
    const id = this.documents.size + 1;
    const row = {
      id,
      tenant: 'tenant-a',
      status: 'onboarding',
      uploadSeq: 1,
      publishedDigest: null,
      rejectionReason: null,
      ...document,
    } as WorkloadDocument;
    this.documents.set(id, row);
    const digest = createHash('sha256').update(bytes).digest('hex');
    this.packages.push({
      documentId: id,
      uploadSeq: row.uploadSeq,
      digest,
      content: bytes,
    } as WorkloadPackage);
    return { documentId: id, uploadSeq: row.uploadSeq };
  }

  failNext(method: keyof OnboardingRecords, error: Error): void {
    this.failures.set(method, error);
  }

  async load(job: OnboardJobData) {
    this.fail('load');
    const document = this.documents.get(job.documentId) ?? null;
    const package_ =
      this.packages.find((p) => p.documentId === job.documentId && p.uploadSeq === job.uploadSeq) ??
      null;
    return { document: document && { ...document }, package_ };
  }

  async recordProgress(job: OnboardJobData, change: Partial<ProgressFields>): Promise<void> {
    this.fail('recordProgress');
    const document = this.onboarding(job);
    if (document) Object.assign(document, change);
    this.progress.push(change);
  }

  async earlierImages(document: WorkloadDocument, limit: number): Promise<ExpectedImage[]> {
    this.fail('earlierImages');
    return [...this.documents.values()]
      .filter((other) => other.name === document.name && other.id !== document.id)
      .sort((a, b) => b.id - a.id)
      .flatMap((other) =>
        (this.mirrors.get(other.id) ?? []).map((image) => ({
          image: image.source,
          earlierDigest: image.digest,
        })),
      )
      .slice(0, limit);
  }

  async publishedByOthers(document: WorkloadDocument, digest: string): Promise<boolean> {
    this.fail('publishedByOthers');
    return [...this.documents.values()].some(
      (other) =>
        other.id !== document.id &&
        other.name === document.name &&
        other.version === document.version &&
        other.status === 'accepted' &&
        other.publishedDigest !== digest,
    );
  }

  async recordMirrors(documentId: number, images: MirroredImage[]): Promise<void> {
    this.fail('recordMirrors');
    const kept = (this.mirrors.get(documentId) ?? []).filter(
      (image) => !images.some((next) => next.source === image.source),
    );
    this.mirrors.set(documentId, [...kept, ...images]);
  }

  async conclude(job: OnboardJobData, conclusion: Conclusion): Promise<boolean> {
    this.fail('conclude');
    const document = this.onboarding(job);
    if (!document) return false;
    document.status = conclusion.status;
    if (conclusion.status === 'rejected') document.rejectionReason = conclusion.reason;
    else document.publishedDigest = this.packageOf(job)?.digest ?? null;
    this.events.push({ id: document.id, status: conclusion.status });
    const index = this.packages.findIndex(
      (p) => p.documentId === job.documentId && p.uploadSeq === job.uploadSeq,
    );
    if (index >= 0) this.packages.splice(index, 1);
    return true;
  }

  private onboarding(job: OnboardJobData): WorkloadDocument | undefined {
    const document = this.documents.get(job.documentId);
    return document?.status === 'onboarding' && document.uploadSeq === job.uploadSeq
      ? document
      : undefined;
  }

  private packageOf(job: OnboardJobData): WorkloadPackage | undefined {
    return this.packages.find(
      (p) => p.documentId === job.documentId && p.uploadSeq === job.uploadSeq,
    );
  }

  private fail(method: keyof OnboardingRecords): void {
    const error = this.failures.get(method);
    if (!error) return;
    this.failures.delete(method);
    throw error;
  }
}

/** Passing verdicts in memory. */
export class MemoryVerdicts implements StoredVerdicts {
  readonly stored = new Map<string, string>();

  async reuse(key: VerdictKey): Promise<string | null> {
    return this.stored.get(JSON.stringify(key)) ?? null;
  }

  async store(key: VerdictKey, _lintMessages: string, rendered: string): Promise<void> {
    this.stored.set(JSON.stringify(key), rendered);
  }
}

/** A Helm repository in memory: one entry per name and version, by digest. */
export class MemoryChartRepository implements ChartPublisher {
  readonly entries = new Map<string, string>();
  /** Called before each publish answers: a test fails or delays it. */
  before: () => Promise<void> = async () => undefined;

  async publish(chart: ChartPackage): Promise<PublishOutcome> {
    await this.before();
    const key = `${chart.metadata.name} ${chart.metadata.version}`;
    const current = this.entries.get(key);
    if (current && current !== chart.digest) return 'conflict';
    this.entries.set(key, chart.digest);
    return current ? 'already-published' : 'published';
  }
}
