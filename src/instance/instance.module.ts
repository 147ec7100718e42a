import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsRelayModule } from '../events/events.module';
import { HelmRepoModule } from '../helm-repo/helm-repo.module';
import { HelmModule } from '../infra/helm/helm.module';
import { IngressModule } from '../ingress/ingress.module';
import { IntentModule } from '../intent/intent.module';
import { WorkloadModule } from '../workload/workload.module';
import { WorkloadInstance } from './entities/workload-instance.entity';
import { InstanceStatusConsumer } from './instance-status.consumer';
import { InstanceController } from './instance.controller';
import { InstanceService } from './instance.service';
import { ManifestRenderer } from './rendering/manifest-renderer';
import { RenderCache } from './rendering/render-cache';
import { RenderPolicyService } from './rendering/render-policy.service';

/**
 * Workload instances (api role): rendering, the lifecycle routes, the `run`/`delete` events and the
 * optional status-report consumer (which needs the broker connection of EventsRelayModule).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([WorkloadInstance]),
    EventsRelayModule,
    HelmModule,
    HelmRepoModule,
    IngressModule,
    IntentModule,
    WorkloadModule,
  ],
  controllers: [InstanceController],
  providers: [
    InstanceService,
    ManifestRenderer,
    RenderCache,
    RenderPolicyService,
    InstanceStatusConsumer,
  ],
  exports: [InstanceService, ManifestRenderer],
})
export class InstanceModule {}
