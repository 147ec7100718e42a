import { AppConfig, validateConfig } from '../../src/config/app-config';

/** Settings pointing nowhere in particular: unit tests over fakes connect to none of them. */
const UNIT_ENV = {
  DATABASE_URL: 'postgres://nemo:nemo@127.0.0.1:55432/nemo',
  REDIS_URL: 'redis://127.0.0.1:56379',
  RABBITMQ_URL: 'amqp://nemo:nemo@127.0.0.1:55672',
  AWS_ENDPOINT: 'http://127.0.0.1:54566',
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  HELM_REPOSITORY_BUCKET: 's3://nemo/charts',
};

/** A validated configuration for a unit test, with `overrides` applied. */
export function unitConfig(overrides: Record<string, string> = {}): AppConfig {
  return validateConfig({ ...UNIT_ENV, ...overrides });
}
