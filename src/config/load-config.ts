import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { CONFIG_SLICES, ConfigSlices, SliceName } from './config-slices';

/** A slice class: a settings class with class-validator decorators and defaults. */
export type ConfigSlice<T extends object = object> = new () => T;

export interface SliceReading<T> {
  slice: Readonly<T>;
  errors: ValidationError[];
}

/**
 * One slice read from `settings` (the environment, or the environment with a test's values over
 * it). An empty string counts as unset. Only the slice's own settings end up on it: `whitelist`
 * strips every other key, so no slice carries a neighbour's secret.
 */
export function readSlice<T extends object>(
  slice: ConfigSlice<T>,
  settings: Record<string, unknown>,
): SliceReading<T> {
  const defined = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== ''));
  const instance = plainToInstance(slice, defined, { exposeDefaultValues: true });
  const errors = validateSync(instance, { skipMissingProperties: false, whitelist: true });
  return { slice: Object.freeze(instance), errors };
}

export function formatConfigErrors(errors: ValidationError[]): string {
  const lines = errors.map((error) => {
    const reasons = Object.values(error.constraints ?? {}).join('; ');
    const shown = error.value === undefined ? 'missing' : 'invalid';
    return `  ${error.property} (${shown}): ${reasons}`;
  });
  return `Invalid configuration:\n${lines.join('\n')}`;
}

/**
 * Every slice from the environment, validated once when an application is created
 * (AppConfigModule); throws one message naming every bad variable of every slice.
 */
export function loadConfig(env: Record<string, unknown>): ConfigSlices {
  const names = Object.keys(CONFIG_SLICES) as SliceName[];
  const readings = names.map(
    (name) => [name, readSlice<object>(CONFIG_SLICES[name], env)] as const,
  );
  const errors = readings.flatMap(([, reading]) => reading.errors);
  if (errors.length > 0) throw new Error(formatConfigErrors(errors));
  return Object.fromEntries(
    readings.map(([name, reading]) => [name, reading.slice]),
  ) as unknown as ConfigSlices;
}
