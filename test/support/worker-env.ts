/**
 * Points this jest worker at its own slice of the shared services: database nemo_test_<n>, RabbitMQ
 * vhost test-<n>, Redis db <n>, bucket nemo-test-<n>. Files in one worker run one after another and
 * reset their slice; files in different workers never meet.
 */
import { baseUrls, testNamespace, testSlice } from './slices';

const base = baseUrls();
Object.assign(process.env, {
  BASE_DATABASE_URL: base.database,
  BASE_RABBITMQ_URL: base.rabbitmq,
  BASE_REDIS_URL: base.redis,
});

const slice = testSlice(Number(process.env.JEST_WORKER_ID ?? '1'));
Object.assign(process.env, {
  NODE_ENV: 'test',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  DATABASE_URL: slice.databaseUrl,
  RABBITMQ_URL: slice.rabbitmqUrl,
  REDIS_URL: slice.redisUrl,
  HELM_REPOSITORY_BUCKET: `s3://${slice.bucket}/charts`,
  QUEUE_PREFIX: `nemo-test-${testNamespace()}`,
  // Test images live in the local registry on loopback, which the egress policy refuses unless
  // allowed: exactly that host:port, so tests can prove every other loopback port is refused.
  IMAGE_SOURCE_ALLOW_PRIVATE: (process.env.REGISTRY_HOST ?? '127.0.0.1:55000').split('/')[0],
  // Webhook receivers of the tests listen on loopback (any port); every other private range stays refused.
  SUBSCRIPTION_ALLOW_PRIVATE: '127.0.0.1',
});
