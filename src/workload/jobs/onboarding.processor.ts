import { Processor, WorkerHost } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { ONBOARD_JOB, OnboardJobData, ONBOARDING_QUEUE } from './onboarding.queue';
import { OnboardingOutcome, OnboardingService } from './onboarding.service';

/** Worker role only: runs onboarding jobs; a crashed worker's job is picked up again (stalled). */
@Processor(ONBOARDING_QUEUE)
export class OnboardingProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly onboarding: OnboardingService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.WORKER_CONCURRENCY;
  }

  async process(job: Job<OnboardJobData>): Promise<OnboardingOutcome> {
    if (job.name !== ONBOARD_JOB) throw new Error(`Unknown job ${job.name} on ${ONBOARDING_QUEUE}`);
    return this.onboarding.run(job.data, {
      progress: (progress) => job.updateProgress({ ...progress }),
      finalAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
    });
  }
}
