import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HelmRepoModule } from '../helm-repo/helm-repo.module';
import { RegistryModule } from '../infra/registry/registry.module';
import { SkopeoModule } from '../infra/skopeo/skopeo.module';
import { SubscriptionModule } from '../subscription/subscription.module';
import { ChartValidation } from './entities/chart-validation.entity';
import { WorkloadDocument } from './entities/workload-document.entity';
import { WorkloadImageMirror } from './entities/workload-image-mirror.entity';
import { WorkloadPackage } from './entities/workload-package.entity';
import { ChartValidator } from './jobs/chart-validator';
import { ChartVerdicts } from './jobs/chart-verdicts';
import { ImageMirrorService } from './jobs/image-mirror.service';
import { ONBOARDING_QUEUE, OnboardingQueue } from './jobs/onboarding.queue';
import { OnboardingProcessor } from './jobs/onboarding.processor';
import { OnboardingService } from './jobs/onboarding.service';
import { OnboardingStore } from './jobs/onboarding.store';
import { OnboardingSweeper } from './jobs/onboarding.sweeper';
import { ChartProvenanceService } from './provenance/chart-provenance.service';
import { UploadBudget } from './upload-budget';
import { WorkloadController } from './workload.controller';
import { WorkloadService } from './workload.service';

/** The workload module's tables: its own repositories, never exported to another module. */
const WORKLOAD_ENTITIES = [WorkloadDocument, WorkloadPackage, WorkloadImageMirror, ChartValidation];

/** Workload documents over REST (api role) and for other modules (WorkloadService). */
@Module({
  imports: [
    TypeOrmModule.forFeature(WORKLOAD_ENTITIES),
    BullModule.registerQueue({ name: ONBOARDING_QUEUE }),
    HelmRepoModule,
  ],
  controllers: [WorkloadController],
  providers: [WorkloadService, OnboardingQueue, UploadBudget],
  exports: [WorkloadService, OnboardingQueue],
})
export class WorkloadModule {}

/** Worker role: the onboarding processor and the sweep that re-queues interrupted onboardings. */
@Module({
  imports: [
    TypeOrmModule.forFeature(WORKLOAD_ENTITIES),
    WorkloadModule,
    HelmRepoModule,
    SkopeoModule,
    RegistryModule,
    SubscriptionModule,
  ],
  providers: [
    OnboardingService,
    OnboardingStore,
    ChartValidator,
    ChartVerdicts,
    ImageMirrorService,
    OnboardingProcessor,
    OnboardingSweeper,
    ChartProvenanceService,
  ],
  exports: [OnboardingService, OnboardingSweeper],
})
export class WorkloadWorkerModule {}
