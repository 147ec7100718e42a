import { validateConfig } from './app-config';

const valid = {
  DATABASE_URL: 'postgres://nemo:nemo@127.0.0.1:55432/nemo',
  REDIS_URL: 'redis://127.0.0.1:56379',
  RABBITMQ_URL: 'amqp://nemo:nemo@127.0.0.1:55672',
  AWS_ENDPOINT: 'http://127.0.0.1:54566',
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  HELM_REPOSITORY_BUCKET: 's3://nemo/charts',
  REGISTRY_HOST: '127.0.0.1:55000',
};

describe('validateConfig', () => {
  it('accepts the local settings and applies defaults', () => {
    const config = validateConfig(valid);
    expect(config.PORT).toBe(8000);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.REGISTRY_TLS_VERIFY).toBe(true);
  });

  it('converts numbers and booleans from strings', () => {
    const config = validateConfig({ ...valid, PORT: '9000', REGISTRY_TLS_VERIFY: 'false' });
    expect(config.PORT).toBe(9000);
    expect(config.REGISTRY_TLS_VERIFY).toBe(false);
  });

  it('names a missing variable', () => {
    const { DATABASE_URL: _omitted, ...rest } = valid;
    expect(() => validateConfig(rest)).toThrow(/DATABASE_URL \(missing\)/);
  });

  it('names a wrong variable and why', () => {
    expect(() => validateConfig({ ...valid, PORT: 'eighty' })).toThrow(
      /PORT \(invalid\):.*PORT must be an integer number/,
    );
    expect(() => validateConfig({ ...valid, HELM_REPOSITORY_BUCKET: 'nemo/charts' })).toThrow(
      /HELM_REPOSITORY_BUCKET \(invalid\): must be an s3:\/\/ bucket path/,
    );
  });

  it('checks the egress allow list and realm hosts', () => {
    expect(
      validateConfig({ ...valid, IMAGE_SOURCE_ALLOW_PRIVATE: '127.0.0.1:55000, 10.0.0.0/8' })
        .IMAGE_SOURCE_ALLOW_PRIVATE,
    ).toBe('127.0.0.1:55000, 10.0.0.0/8');
    expect(() => validateConfig({ ...valid, IMAGE_SOURCE_ALLOW_PRIVATE: '10.0.0.0/40' })).toThrow(
      /IMAGE_SOURCE_ALLOW_PRIVATE \(invalid\): must be a comma-separated list .*"10.0.0.0\/40" has a prefix length/,
    );
    expect(() =>
      validateConfig({ ...valid, IMAGE_REALM_CREDENTIAL_HOSTS: 'https://auth.docker.io' }),
    ).toThrow(/IMAGE_REALM_CREDENTIAL_HOSTS \(invalid\)/);
  });

  it('treats an empty variable as unset', () => {
    expect(validateConfig({ ...valid, PORT: '' }).PORT).toBe(8000);
  });
});
