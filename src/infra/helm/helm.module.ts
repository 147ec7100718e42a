import { Global, Module } from '@nestjs/common';
import { HelmCli } from './helm.cli';
import { HELM } from './helm.port';

/** `HELM` for every module of both roles (onboarding lints and renders, instances render). */
@Global()
@Module({
  providers: [{ provide: HELM, useClass: HelmCli }],
  exports: [HELM],
})
export class HelmModule {}
