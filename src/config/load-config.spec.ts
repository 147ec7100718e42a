import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_SETTINGS } from '../../test/support/config';
import { CONFIG_SLICES } from './config-slices';
import { loadConfig, readSlice } from './load-config';
import { S3CredentialsConfig } from './slices/s3-credentials.config';

const valid = LOCAL_SETTINGS;

/** The settings each slice file declares, read from its source (as the README table test does). */
function declaredSettings(): Map<string, string[]> {
  const dir = join(__dirname, 'slices');
  const files = readdirSync(dir).filter((file) => file.endsWith('.config.ts'));
  return new Map(
    files.map((file) => {
      const source = readFileSync(join(dir, file), 'utf8');
      const names = [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+)[!?]?(?::|\s=)/gm)];
      return [file, names.map((match) => match[1])];
    }),
  );
}

describe('loadConfig', () => {
  it('accepts the local settings and applies defaults, slice by slice', () => {
    const config = loadConfig(valid);
    expect(config.http.PORT).toBe(8000);
    expect(config.http.HOST).toBe('127.0.0.1');
    expect(config.registry.REGISTRY_TLS_VERIFY).toBe(true);
    expect(config.helmRepository.HELM_REPOSITORY_NAME).toBe('nemo');
  });

  it('converts numbers and booleans from strings', () => {
    const config = loadConfig({ ...valid, PORT: '9000', REGISTRY_TLS_VERIFY: 'false' });
    expect(config.http.PORT).toBe(9000);
    expect(config.registry.REGISTRY_TLS_VERIFY).toBe(false);
  });

  it('names a missing variable', () => {
    const { DATABASE_URL: _omitted, ...rest } = valid;
    expect(() => loadConfig(rest)).toThrow(/DATABASE_URL \(missing\)/);
  });

  it('names every wrong variable of every slice in one message, and why', () => {
    const attempt = () =>
      loadConfig({ ...valid, PORT: 'eighty', HELM_REPOSITORY_BUCKET: 'nemo/charts' });
    expect(attempt).toThrow(/PORT \(invalid\):.*PORT must be an integer number/);
    expect(attempt).toThrow(/HELM_REPOSITORY_BUCKET \(invalid\): must be an s3:\/\/ bucket path/);
  });

  it('checks the egress allow list and realm hosts', () => {
    expect(
      loadConfig({ ...valid, IMAGE_SOURCE_ALLOW_PRIVATE: '127.0.0.1:55000, 10.0.0.0/8' }).mirror
        .IMAGE_SOURCE_ALLOW_PRIVATE,
    ).toBe('127.0.0.1:55000, 10.0.0.0/8');
    expect(() => loadConfig({ ...valid, IMAGE_SOURCE_ALLOW_PRIVATE: '10.0.0.0/40' })).toThrow(
      /IMAGE_SOURCE_ALLOW_PRIVATE \(invalid\): must be a comma-separated list .*"10.0.0.0\/40" has a prefix length/,
    );
    expect(() =>
      loadConfig({ ...valid, IMAGE_REALM_CREDENTIAL_HOSTS: 'https://auth.docker.io' }),
    ).toThrow(/IMAGE_REALM_CREDENTIAL_HOSTS \(invalid\)/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ ...valid, PORT: '' }).http.PORT).toBe(8000);
  });

  it('gives each slice its own settings only: no neighbour, no other variable of the environment', () => {
    const config = loadConfig({ ...valid, PATH: '/usr/bin' });
    expect(Object.keys(config.s3Credentials).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ]);
    for (const [name, slice] of Object.entries(config)) {
      if (name === 's3Credentials') continue;
      expect(Object.keys(slice)).not.toContain('AWS_SECRET_ACCESS_KEY');
      expect(Object.keys(slice)).not.toContain('PATH');
    }
  });

  it('freezes every slice: a setting changes by overriding the slice, not by writing to it', () => {
    const { slice } = readSlice(S3CredentialsConfig, valid);
    expect(Object.isFrozen(slice)).toBe(true);
  });
});

describe('configuration slices', () => {
  it('declare each setting in exactly one slice', () => {
    const owners = new Map<string, string[]>();
    for (const [file, names] of declaredSettings()) {
      for (const name of names) owners.set(name, [...(owners.get(name) ?? []), file]);
    }
    const twice = [...owners].filter(([, files]) => files.length > 1);
    expect(twice).toEqual([]);
    expect(owners.size).toBeGreaterThan(100);
  });

  it('are all loaded: every slice file is in CONFIG_SLICES', () => {
    expect(declaredSettings().size).toBe(Object.keys(CONFIG_SLICES).length);
  });
});
