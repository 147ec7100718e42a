import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { OnboardingConfig } from '../../config/slices/onboarding.config';
import { WorkloadDocument } from '../entities/workload-document.entity';
import { OnboardJobData, OnboardingQueue } from './onboarding.queue';
import { OnboardingService } from './onboarding.service';

/**
 * Worker role: at start-up and then periodically, every document left in `onboarding` gets its job
 * back if it has none (the api could not enqueue, Redis lost it). Job ids are per upload, so
 * sweeping from several workers never duplicates a job.
 */
@Injectable()
export class OnboardingSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OnboardingSweeper.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(WorkloadDocument) private readonly documents: Repository<WorkloadDocument>,
    private readonly queue: OnboardingQueue,
    private readonly onboarding: OnboardingService,
    private readonly config: OnboardingConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sweepSafely();
    this.timer = setInterval(
      () => void this.sweepSafely(),
      this.config.ONBOARDING_SWEEP_INTERVAL_MS,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Answers how many documents it acted on. A job that failed for good (BullMQ gives up on a job
   * that stalled too often, e.g. a worker killed again and again by it, or its final failure could
   * not be recorded) rejects its document with the reason, so a poison upload cannot loop.
   */
  async sweep(): Promise<number> {
    const stuck = await this.documents.find({
      select: { id: true, uploadSeq: true },
      where: { status: 'onboarding' },
      order: { id: 'ASC' },
    });
    let handled = 0;
    for (const document of stuck) {
      if (await this.recover({ documentId: document.id, uploadSeq: document.uploadSeq }))
        handled += 1;
    }
    if (handled > 0) this.logger.log(`Recovered the onboarding of ${handled} document(s)`);
    return handled;
  }

  private async recover(job: OnboardJobData): Promise<boolean> {
    const { state, failedReason } = await this.queue.inspect(job);
    if (state === 'failed') {
      return this.onboarding.giveUp(job, `onboarding failed: ${failedReason ?? 'unknown error'}`);
    }
    if (state === 'missing' || state === 'completed') return this.queue.ensure(job);
    return false;
  }

  private async sweepSafely(): Promise<void> {
    await this.sweep().catch((error: unknown) =>
      this.logger.warn(`Onboarding sweep failed: ${String(error)}`),
    );
  }
}
