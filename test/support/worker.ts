import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { WorkerModule } from '../../src/app.module';
import { OnboardingProcessor } from '../../src/workload/jobs/onboarding.processor';
import { testAuthEnv } from './auth';

export interface WorkerOptions {
  /** Settings for this app only, applied while its configuration is read. */
  env?: Record<string, string>;
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
  const saved = { ...process.env };
  Object.assign(process.env, await testAuthEnv(), options.env);
  try {
    let builder = Test.createTestingModule({ imports: [WorkerModule] });
    for (const { token, value } of options.overrides ?? []) {
      builder = builder.overrideProvider(token).useValue(value);
    }
    const app = (await builder.compile()).createNestApplication({ logger: false });
    await app.init();
    if (options.consuming === false) await app.get(OnboardingProcessor).stop();
    return app;
  } finally {
    process.env = saved;
  }
}
