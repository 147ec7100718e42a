import { Module } from '@nestjs/common';
import { HelmRepoController } from './helm-repo.controller';
import { HelmRepoService } from './helm-repo.service';

/** The NEMO Helm repository in S3: publishing (worker), reading and chart fetches (both roles). */
@Module({
  controllers: [HelmRepoController],
  providers: [HelmRepoService],
  exports: [HelmRepoService],
})
export class HelmRepoModule {}
