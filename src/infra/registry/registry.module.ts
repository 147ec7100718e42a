import { Module } from '@nestjs/common';
import { RegistryHttpClient } from './registry-http.client';
import { REGISTRY } from './registry.port';

/** `REGISTRY`: digest checks and pings of OCI registries (image mirroring in the worker role). */
@Module({
  providers: [{ provide: REGISTRY, useClass: RegistryHttpClient }],
  exports: [REGISTRY],
})
export class RegistryModule {}
