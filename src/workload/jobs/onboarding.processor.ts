import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { ONBOARD_JOB, OnboardJobData, ONBOARDING_QUEUE } from './onboarding.queue';
import { OnboardingOutcome, OnboardingService } from './onboarding.service';

interface StallRecovery {
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
}

/**
 * Worker role only: runs onboarding jobs. A worker that dies mid-job (kill -9) stops renewing the
 * job's lock; once it expires, the stalled check of any live worker moves the job back to waiting
 * and the (idempotent) onboarding runs again. The decorator's options are fixed at import time, so
 * the worker is created stopped and started with the lock and stalled-check settings of AppConfig.
 */
@Processor(ONBOARDING_QUEUE, { autorun: false })
export class OnboardingProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(OnboardingProcessor.name);

  constructor(
    private readonly onboarding: OnboardingService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    configureStallRecovery(this.worker, {
      lockDuration: this.config.ONBOARDING_LOCK_DURATION_MS,
      stalledInterval: this.config.ONBOARDING_STALLED_INTERVAL_MS,
      maxStalledCount: this.config.ONBOARDING_MAX_STALLED_COUNT,
    });
    this.worker.concurrency = this.config.WORKER_CONCURRENCY;
    // Not awaited: run() settles only when the worker closes (BullModule closes it at shutdown).
    this.worker.run().catch((error: unknown) => {
      this.logger.error(`The onboarding worker stopped: ${describe(error)}`);
    });
  }

  async process(job: Job<OnboardJobData>): Promise<OnboardingOutcome> {
    if (job.name !== ONBOARD_JOB) throw new Error(`Unknown job ${job.name} on ${ONBOARDING_QUEUE}`);
    return this.onboarding.run(job.data, {
      progress: (progress) => job.updateProgress({ ...progress }),
      finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      attempts: job.opts.attempts ?? 1,
    });
  }

  @OnWorkerEvent('stalled')
  onStalled(jobId: string): void {
    this.logger.warn(`Onboarding job ${jobId} lost its worker: back to waiting, to run again`);
  }

  /** Lock renewals, stalled checks and Redis failures; without a listener BullMQ prints them raw. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.error(`Onboarding worker: ${describe(error)}`);
  }
}

/**
 * Applies the stall settings to a worker that has not run yet. BullMQ reads lockDuration,
 * stalledInterval and maxStalledCount from `worker.opts` each time it takes a job or checks for
 * stalled ones, but its LockManager copies lockDuration and lockRenewTime (half the lock, BullMQ's
 * default) when the Worker is constructed: it is rebuilt through BullMQ's own factory method, the
 * extension point it offers subclasses, so that renewals keep a short lock alive.
 */
function configureStallRecovery(worker: Worker, settings: StallRecovery): void {
  if (worker.isRunning()) throw new Error('stall settings must be applied before the worker runs');
  Object.assign(worker.opts, { ...settings, lockRenewTime: settings.lockDuration / 2 });
  worker['createLockManager']();
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
