import { WorkloadStatus } from '../contract';
import { OnboardingStep } from './entities/workload-document.entity';

export interface OnboardingProgress {
  step: OnboardingStep | null;
  images_done: number;
  images_total: number;
  percent: number;
}

/** Where each step starts, in percent; mirroring fills the span up to publishing image by image. */
const STEP_START: Record<OnboardingStep, number> = {
  queued: 0,
  validating: 5,
  linting: 10,
  mirroring: 25,
  publishing: 90,
  done: 100,
};

export function onboardingProgress(document: {
  status: WorkloadStatus;
  onboardingStep: OnboardingStep | null;
  imagesDone: number;
  imagesTotal: number;
}): OnboardingProgress {
  const step = document.onboardingStep;
  const base = { step, images_done: document.imagesDone, images_total: document.imagesTotal };
  if (document.status === 'accepted') return { ...base, percent: 100 };
  if (document.status === 'pending' || step === null) return { ...base, percent: 0 };
  if (step !== 'mirroring' || document.imagesTotal === 0)
    return { ...base, percent: STEP_START[step] };
  const span = STEP_START.publishing - STEP_START.mirroring;
  const done = Math.min(document.imagesDone, document.imagesTotal) / document.imagesTotal;
  return { ...base, percent: Math.floor(STEP_START.mirroring + span * done) };
}
