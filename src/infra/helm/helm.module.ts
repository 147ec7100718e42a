import { Global, Module } from '@nestjs/common';
import { HelmCli } from './helm.cli';
import { HELM } from './helm.port';
import { PROVENANCE_VERIFIER } from './provenance.port';

/**
 * `HELM` for every module of both roles (onboarding lints and renders, instances render), and
 * `PROVENANCE_VERIFIER` (onboarding's `helm verify`): one HelmCli, so one process limit for both.
 */
@Global()
@Module({
  providers: [
    HelmCli,
    { provide: HELM, useExisting: HelmCli },
    { provide: PROVENANCE_VERIFIER, useExisting: HelmCli },
  ],
  exports: [HELM, PROVENANCE_VERIFIER],
})
export class HelmModule {}
