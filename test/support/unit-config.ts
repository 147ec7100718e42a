import { AppConfig, validateConfig } from '../../src/config/app-config';

/** The settings every configuration needs, with local values: unit specs build an AppConfig from them. */
export const LOCAL_SETTINGS = {
  DATABASE_URL: 'postgres://nemo:nemo@127.0.0.1:55432/nemo',
  REDIS_URL: 'redis://127.0.0.1:56379',
  RABBITMQ_URL: 'amqp://nemo:nemo@127.0.0.1:55672',
  AWS_ENDPOINT: 'http://127.0.0.1:54566',
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  HELM_REPOSITORY_BUCKET: 's3://nemo/charts',
  REGISTRY_HOST: '127.0.0.1:55000',
};

/** A validated configuration of LOCAL_SETTINGS with `settings` over them. */
export function unitConfig(settings: Record<string, string> = {}): AppConfig {
  return validateConfig({ ...LOCAL_SETTINGS, ...settings });
}
