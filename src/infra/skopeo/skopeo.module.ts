import { Module } from '@nestjs/common';
import { REGISTRY_CLIENT, RegistryHttpClient } from './registry-client';
import { SkopeoCli } from './skopeo.cli';
import { SKOPEO } from './skopeo.port';

/** Image mirroring tools: skopeo for copies, an HTTP client for cheap digest checks. */
@Module({
  providers: [
    { provide: SKOPEO, useClass: SkopeoCli },
    { provide: REGISTRY_CLIENT, useClass: RegistryHttpClient },
  ],
  exports: [SKOPEO, REGISTRY_CLIENT],
})
export class SkopeoModule {}
