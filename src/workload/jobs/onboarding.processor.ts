import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import { OnboardingConfig } from '../../config/slices/onboarding.config';
import { RedisConfig } from '../../config/slices/redis.config';
import { queueConnection } from '../../infra/queue/queue-connection';
import { ONBOARD_JOB, OnboardJobData, ONBOARDING_QUEUE } from './onboarding.queue';
import { OnboardingOutcome, OnboardingService } from './onboarding.service';

/**
 * Worker role only: runs onboarding jobs. A worker that dies mid-job (kill -9) stops renewing the
 * job's lock; once it expires, the stalled check of any live worker moves the job back to waiting
 * and the (idempotent) onboarding runs again. The BullMQ Worker is built here, at start-up, with
 * the lock and stalled-check settings of OnboardingConfig: a decorator's options are fixed at import time.
 */
@Injectable()
export class OnboardingProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OnboardingProcessor.name);
  private worker?: Worker<OnboardJobData, OnboardingOutcome>;

  constructor(
    private readonly onboarding: OnboardingService,
    private readonly config: OnboardingConfig,
    private readonly redis: RedisConfig,
  ) {}

  onApplicationBootstrap(): void {
    const lockDuration = this.config.ONBOARDING_LOCK_DURATION_MS;
    this.worker = new Worker(ONBOARDING_QUEUE, (job) => this.process(job), {
      connection: queueConnection(this.redis),
      prefix: this.redis.QUEUE_PREFIX,
      concurrency: this.config.WORKER_CONCURRENCY,
      lockDuration,
      // Renewed twice per lock: one late renewal does not lose a job that is still running.
      lockRenewTime: lockDuration / 2,
      stalledInterval: this.config.ONBOARDING_STALLED_INTERVAL_MS,
      maxStalledCount: this.config.ONBOARDING_MAX_STALLED_COUNT,
    });
    this.worker.on('stalled', (jobId) => this.onStalled(jobId));
    // Lock renewals, stalled checks and Redis failures; without a listener BullMQ prints them raw.
    this.worker.on('error', (error) => this.logger.error(`Onboarding worker: ${describe(error)}`));
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  /** Takes no more jobs and waits for the active ones (shutdown; tests that run jobs themselves). */
  async stop(): Promise<void> {
    if (!this.worker) return;
    // Closed while its connection is still being set up, BullMQ reports the closing as an error no
    // listener hears: the connection is given its chance first, whether it succeeds or not.
    await Promise.allSettled([this.worker.waitUntilReady()]);
    await this.worker.close();
  }

  async process(job: Job<OnboardJobData>): Promise<OnboardingOutcome> {
    if (job.name !== ONBOARD_JOB) throw new Error(`Unknown job ${job.name} on ${ONBOARDING_QUEUE}`);
    return this.onboarding.run(job.data, {
      progress: (progress) => job.updateProgress({ ...progress }),
      finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      attempts: job.opts.attempts ?? 1,
    });
  }

  private onStalled(jobId: string): void {
    this.logger.warn(`Onboarding job ${jobId} lost its worker: back to waiting, to run again`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
