import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { OnboardingConfig } from '../../config/slices/onboarding.config';

export const ONBOARDING_QUEUE = 'onboarding';
export const ONBOARD_JOB = 'onboard';

/** Ids only: the job re-reads the document and its package. */
export interface OnboardJobData {
  documentId: number;
  /** The upload this job onboards; a newer upload makes the job stop early. */
  uploadSeq: number;
}

/** One job per upload: the sweep may re-add it without ever creating a duplicate. */
export function onboardJobId(data: OnboardJobData): string {
  return `onboard:${data.documentId}:${data.uploadSeq}`;
}

/** Enqueues onboarding jobs (both roles: the api after an upload, the worker's sweep). */
@Injectable()
export class OnboardingQueue {
  constructor(
    @InjectQueue(ONBOARDING_QUEUE) private readonly queue: Queue<OnboardJobData>,
    private readonly config: OnboardingConfig,
  ) {}

  async enqueue(data: OnboardJobData): Promise<void> {
    await this.queue.add(ONBOARD_JOB, data, {
      jobId: onboardJobId(data),
      attempts: this.config.ONBOARDING_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.config.ONBOARDING_BACKOFF_MS },
    });
  }

  /** The state of this upload's job ('missing' when Redis has none) and why it failed, if it did. */
  async inspect(data: OnboardJobData): Promise<{ state: string; failedReason?: string }> {
    const job = (await this.queue.getJob(onboardJobId(data))) as Job<OnboardJobData> | undefined;
    if (!job) return { state: 'missing' };
    return { state: await job.getState(), failedReason: job.failedReason };
  }

  /**
   * Makes sure a job will onboard this upload: adds it when missing, and replaces one that already
   * ended (a job id left in Redis by an earlier database, or a job that ended without the document
   * leaving `onboarding`). Answers whether anything was (re)queued.
   */
  async ensure(data: OnboardJobData): Promise<boolean> {
    const job = (await this.queue.getJob(onboardJobId(data))) as Job<OnboardJobData> | undefined;
    const state = job ? await job.getState() : 'missing';
    if (state === 'completed' || state === 'failed') await job?.remove();
    if (state !== 'missing' && state !== 'completed' && state !== 'failed') return false;
    await this.enqueue(data);
    return true;
  }
}
