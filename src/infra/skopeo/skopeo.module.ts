import { Module } from '@nestjs/common';
import { SkopeoCli } from './skopeo.cli';
import { SKOPEO } from './skopeo.port';

/** `SKOPEO`: image copies between registries (image mirroring in the worker role). */
@Module({
  providers: [{ provide: SKOPEO, useClass: SkopeoCli }],
  exports: [SKOPEO],
})
export class SkopeoModule {}
