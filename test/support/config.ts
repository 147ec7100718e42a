import { CONFIG_SLICES, ConfigSlices, SliceName } from '../../src/config/config-slices';
import {
  ConfigSlice,
  formatConfigErrors,
  loadConfig,
  readSlice,
} from '../../src/config/load-config';
import { testAuthEnv } from './auth';

/** The settings every configuration needs, with local values (unit specs connect to none of them). */
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

/** Settings of one slice, by their names: typed values, or the text an environment variable would hold. */
export type SliceSettings<K extends SliceName> = {
  [P in keyof ConfigSlices[K]]?: ConfigSlices[K][P] | string;
};

/** Settings for some slices of one app: `{ render: { RENDER_PIN_DIGESTS: false } }`. */
export type ConfigOverrides = { [K in SliceName]?: SliceSettings<K> };

export interface SliceOverride {
  token: unknown;
  value: unknown;
}

/** `later` over `earlier`, slice by slice and setting by setting. */
export function mergeOverrides(earlier: ConfigOverrides, later: ConfigOverrides): ConfigOverrides {
  const merged: Record<string, object> = { ...earlier };
  for (const [name, settings] of Object.entries(later)) {
    merged[name] = { ...merged[name], ...settings };
  }
  return merged as ConfigOverrides;
}

/** `config` over the settings that make an app trust the test issuer. */
export async function withTestAuth(config: ConfigOverrides): Promise<ConfigOverrides> {
  return mergeOverrides({ auth: await testAuthEnv() }, config);
}

/**
 * The providers an app's testing module replaces (`overrideProvider(RenderConfig)`): each named
 * slice read from `env` with the given settings over it, validated as at start-up, so a bad value
 * fails the same way with the same message.
 */
export function sliceOverrides(
  overrides: ConfigOverrides,
  env: Record<string, unknown> = process.env,
): SliceOverride[] {
  return Object.entries(overriddenSlices(overrides, env)).map(([name, value]) => ({
    token: CONFIG_SLICES[name as SliceName],
    value,
  }));
}

/** Every slice as an app of this jest worker reads it, with `overrides` replacing some: for classes built by hand. */
export function configWith(
  overrides: ConfigOverrides = {},
  env: Record<string, unknown> = process.env,
): ConfigSlices {
  return { ...loadConfig(env), ...overriddenSlices(overrides, env) };
}

function overriddenSlices(
  overrides: ConfigOverrides,
  env: Record<string, unknown>,
): Partial<ConfigSlices> {
  const unknown = Object.entries(overrides).filter(
    ([name, settings]) => !(name in CONFIG_SLICES) || typeof settings !== 'object',
  );
  if (unknown.length > 0) {
    throw new Error(`not slices of settings: ${unknown.map(([name]) => name).join(', ')}`);
  }
  const readings = (Object.keys(overrides) as SliceName[]).map(
    (name) =>
      [name, readSlice<object>(CONFIG_SLICES[name], { ...env, ...overrides[name] })] as const,
  );
  const errors = readings.flatMap(([, reading]) => reading.errors);
  if (errors.length > 0) throw new Error(formatConfigErrors(errors));
  return Object.fromEntries(readings.map(([name, reading]) => [name, reading.slice]));
}

/** Every slice of LOCAL_SETTINGS with `settings` over them, for specs that build classes by hand. */
export function localConfig(settings: Record<string, string> = {}): ConfigSlices {
  return loadConfig({ ...LOCAL_SETTINGS, ...settings });
}

/** One slice from `settings` alone (its defaults for the rest), validated: for unit specs. */
export function sliceOf<T extends object>(
  slice: ConfigSlice<T>,
  settings: Record<string, unknown> = {},
): T {
  const { slice: value, errors } = readSlice(slice, settings);
  if (errors.length > 0) throw new Error(formatConfigErrors(errors));
  return value;
}

/**
 * Environment-style settings grouped into the slices that declare them: for a test that hands
 * the same settings to an out-of-process worker (as its environment) and to an in-process api.
 */
export function overridesOf(settings: Record<string, string>): ConfigOverrides {
  const grouped: Record<string, Record<string, string>> = {};
  for (const [setting, value] of Object.entries(settings)) {
    const owner = (Object.keys(CONFIG_SLICES) as SliceName[]).find(
      (name) => setting in readSlice<object>(CONFIG_SLICES[name], { [setting]: value }).slice,
    );
    if (!owner) throw new Error(`${setting} is no setting of any configuration slice`);
    grouped[owner] = { ...grouped[owner], [setting]: value };
  }
  return grouped as ConfigOverrides;
}
