import { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { NestExpressApplication } from '@nestjs/platform-express';
import Redis from 'ioredis';
import { setTimeout } from 'node:timers/promises';
import { DataSource, QueryFailedError } from 'typeorm';
import { RedisConfig } from '../../src/config/slices/redis.config';
import { REDIS } from '../../src/infra/redis/redis.module';
import { ApiModule } from '../../src/app.module';
import { configureHttp } from '../../src/http/configure-app';
import { setupSwagger } from '../../src/openapi/swagger';
import { ConfigOverrides, sliceOverrides, withTestAuth } from './config';

/**
 * Boots the real api role (real database, broker, Redis, S3) exactly as main.ts does, listening on
 * an ephemeral loopback port, trusting the loopback test issuer of ./auth (testAuthEnv). `config`
 * replaces settings of some slices for this app only (and wins over the test auth settings):
 * `startApi({ render: { RENDER_PIN_DIGESTS: false } })`.
 */
export async function startApi(
  config: ConfigOverrides = {},
  rootModule: Type<unknown> = ApiModule,
): Promise<NestExpressApplication> {
  let builder = Test.createTestingModule({ imports: [rootModule] });
  for (const { token, value } of sliceOverrides(await withTestAuth(config))) {
    builder = builder.overrideProvider(token).useValue(value);
  }
  const app = (await builder.compile()).createNestApplication<NestExpressApplication>({
    bodyParser: false,
    logger: false,
  });
  configureHttp(app);
  setupSwagger(app);
  await app.listen(0, '127.0.0.1');
  return app;
}

/**
 * Empties every table but the migrations ledger, and this slice's BullMQ keys (job ids derive from
 * row ids, which restart), so each test file starts from a clean slice.
 */
export async function resetDatabase(app: INestApplication): Promise<void> {
  await clearQueues(app);
  const dataSource = app.get(DataSource);
  const tables = (await dataSource.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`,
  )) as Array<{ tablename: string }>;
  if (tables.length === 0) return;
  await truncateRetryingDeadlocks(
    dataSource,
    `TRUNCATE ${tables.map((t) => `"${t.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`,
  );
}

const DEADLOCK_DETECTED = '40P01';
const TRUNCATE_ATTEMPTS = 5;

/**
 * TRUNCATE locks its tables one after another, while the app's own loops (outbox relay, webhook
 * deliveries, sweeps) lock some of the same tables in their order: PostgreSQL then aborts one side
 * with a deadlock (CI saw it on a worker's first poll). The loops retry theirs; so does this.
 */
async function truncateRetryingDeadlocks(dataSource: DataSource, sql: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await dataSource.query(sql);
      return;
    } catch (error) {
      const deadlocked =
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === DEADLOCK_DETECTED;
      if (!deadlocked || attempt === TRUNCATE_ATTEMPTS) throw error;
      await setTimeout(20 * attempt);
    }
  }
}

async function clearQueues(app: INestApplication): Promise<void> {
  const redis = app.get<Redis>(REDIS);
  if (redis.status === 'wait') await redis.connect();
  const prefix = app.get(RedisConfig).QUEUE_PREFIX;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
