import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { ApiModule } from '../src/app.module';
import { DevTokenService } from '../src/auth/dev-token.service';
import { configureHttp } from '../src/common/http/configure-app';
import { createMigratedDatabase as createDatabase } from '../test/support/database';

export const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/**
 * A fresh, migrated database of the benchmark's own next to DATABASE_URL's (nothing of a
 * developer's is touched); returns its URL.
 */
export function createMigratedDatabase(name: string): Promise<string> {
  return createDatabase(process.env.DATABASE_URL ?? '', name);
}

export interface BenchApi {
  app: NestExpressApplication;
  /** Base URL of the routes, ending in /api/v1. */
  base: string;
  /** `Bearer <dev token>` (the benchmarks run the api with AUTH_MODE=dev). */
  authorization: string;
}

/** The api role as main.ts configures it, on an ephemeral loopback port. */
export async function startBenchApi(): Promise<BenchApi> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule, {
    bodyParser: false,
    logger: false,
  });
  configureHttp(app);
  await app.listen(0, '127.0.0.1');
  const token = app.get(DevTokenService).devToken ?? '';
  return {
    app,
    base: `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/api/v1`,
    authorization: `Bearer ${token}`,
  };
}
