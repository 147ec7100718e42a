import { onboardingProgress } from './onboarding-progress';

const doc = (overrides: Partial<Parameters<typeof onboardingProgress>[0]>) =>
  onboardingProgress({
    status: 'onboarding',
    onboardingStep: 'queued',
    imagesDone: 0,
    imagesTotal: 0,
    ...overrides,
  });

describe('onboardingProgress', () => {
  it('is 0 before an upload and 100 once accepted', () => {
    expect(doc({ status: 'pending', onboardingStep: null }).percent).toBe(0);
    expect(
      doc({ status: 'accepted', onboardingStep: 'done', imagesDone: 3, imagesTotal: 3 }),
    ).toEqual({
      step: 'done',
      images_done: 3,
      images_total: 3,
      percent: 100,
    });
  });

  it('grows step by step and image by image', () => {
    const percents = [
      doc({ onboardingStep: 'queued' }),
      doc({ onboardingStep: 'validating' }),
      doc({ onboardingStep: 'linting' }),
      doc({ onboardingStep: 'mirroring', imagesTotal: 4 }),
      doc({ onboardingStep: 'mirroring', imagesTotal: 4, imagesDone: 2 }),
      doc({ onboardingStep: 'mirroring', imagesTotal: 4, imagesDone: 4 }),
      doc({ onboardingStep: 'publishing', imagesTotal: 4, imagesDone: 4 }),
    ].map((progress) => progress.percent);
    expect(percents).toEqual([0, 5, 10, 25, 57, 90, 90]);
  });

  it('keeps the step a rejection stopped at', () => {
    expect(doc({ status: 'rejected', onboardingStep: 'linting' })).toMatchObject({
      step: 'linting',
      percent: 10,
    });
  });
});
