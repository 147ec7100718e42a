import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { WorkerModule } from '../../src/app.module';
import { OnboardingProcessor } from '../../src/workload/jobs/onboarding.processor';
import { ConfigOverrides, sliceOverrides, withTestAuth } from './config';

export interface WorkerOptions {
  /** Settings of some slices for this app only (as startApi's). */
  config?: ConfigOverrides;
  /** Providers replaced by the given values (e.g. a fake or a counting port). */
  overrides?: Array<{ token: unknown; value: unknown }>;
  /**
   * false: the BullMQ consumer is stopped at once, so the test decides who runs which onboarding
   * (through OnboardingService). Default true: the worker takes jobs as `main.ts worker` does.
   */
  consuming?: boolean;
}

/** Boots the worker role (onboarding processor and sweep) in this process. */
export async function startWorker(options: WorkerOptions = {}): Promise<INestApplication> {
  const replaced = [
    ...sliceOverrides(await withTestAuth(options.config ?? {})),
    ...(options.overrides ?? []),
  ];
  let builder = Test.createTestingModule({ imports: [WorkerModule] });
  for (const { token, value } of replaced) {
    builder = builder.overrideProvider(token).useValue(value);
  }
  const app = (await builder.compile()).createNestApplication({ logger: false });
  await app.init();
  if (options.consuming === false) await app.get(OnboardingProcessor).stop();
  return app;
}
