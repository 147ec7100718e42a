import { FactoryProvider, Global, Module } from '@nestjs/common';
import { CONFIG_SLICES, ConfigSlices, SliceName } from './config-slices';
import { loadConfig } from './load-config';

/** Every slice, validated together; not exported from this file, so only the slice providers read it. */
const LOADED_CONFIG = Symbol('LOADED_CONFIG');

function sliceProvider(name: SliceName): FactoryProvider {
  return {
    provide: CONFIG_SLICES[name],
    inject: [LOADED_CONFIG],
    useFactory: (loaded: ConfigSlices) => loaded[name],
  };
}

/** Seen by one module only: the S3 client is built from them there (S3Module). */
const PRIVATE_SLICES: readonly SliceName[] = ['s3Credentials'];
const SHARED_SLICES = (Object.keys(CONFIG_SLICES) as SliceName[]).filter(
  (name) => !PRIVATE_SLICES.includes(name),
);

/** The S3 access key and secret, for S3Module's providers (it does not export them). */
export const S3_CREDENTIALS_PROVIDER = sliceProvider('s3Credentials');

/**
 * Provides each configuration slice as its own class (`constructor(private readonly render:
 * RenderConfig)`), so a class injects the settings it reads and nothing more. The environment is
 * read and validated once, when the application is created (not when this file is imported): a bad
 * setting stops start-up with one message naming every bad variable. Tests replace a slice with
 * `overrideProvider(RenderConfig)` (test/support/config.ts), never process.env.
 */
@Global()
@Module({
  providers: [
    { provide: LOADED_CONFIG, useFactory: (): ConfigSlices => loadConfig(process.env) },
    ...SHARED_SLICES.map(sliceProvider),
  ],
  exports: [LOADED_CONFIG, ...SHARED_SLICES.map((name) => CONFIG_SLICES[name])],
})
export class AppConfigModule {}
