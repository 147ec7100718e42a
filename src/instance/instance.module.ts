import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClusterModule } from '../cluster/cluster.module';
import { EventsRelayModule } from '../events/events.module';
import { HelmRepoModule } from '../helm-repo/helm-repo.module';
import { HelmModule } from '../infra/helm/helm.module';
import { IngressModule } from '../ingress/ingress.module';
import { IntentModule } from '../intent/intent.module';
import { SubscriptionModule } from '../subscription/subscription.module';
import { WorkloadModule } from '../workload/workload.module';
import { InstanceManifestSet } from './entities/instance-manifest-set.entity';
import { InstanceRevision } from './entities/instance-revision.entity';
import { WorkloadInstance } from './entities/workload-instance.entity';
import { InstanceRevisionController } from './instance-revision.controller';
import { InstanceRevisionService } from './instance-revision.service';
import { InstanceStatusConsumer } from './instance-status.consumer';
import { InstanceController } from './instance.controller';
import { InstanceService } from './instance.service';
import { InstanceRenderer } from './rendering/instance-renderer';
import { ManifestRenderer } from './rendering/manifest-renderer';
import { RenderCache } from './rendering/render-cache';
import { RenderPolicyService } from './rendering/render-policy.service';
import { InstanceValues } from './revisions/instance-values';
import { RevisionStore } from './revisions/revision-store';

/**
 * Workload instances (api role): rendering, the lifecycle routes, revisions (upgrade, history,
 * diff, rollback, dry-run), the `run`/`delete` events and the optional status-report consumer (which needs the broker connection of EventsRelayModule).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([WorkloadInstance, InstanceRevision, InstanceManifestSet]),
    ClusterModule,
    EventsRelayModule,
    HelmModule,
    HelmRepoModule,
    IngressModule,
    IntentModule,
    SubscriptionModule,
    WorkloadModule,
  ],
  controllers: [InstanceController, InstanceRevisionController],
  providers: [
    InstanceService,
    InstanceRevisionService,
    InstanceRenderer,
    InstanceValues,
    RevisionStore,
    ManifestRenderer,
    RenderCache,
    RenderPolicyService,
    InstanceStatusConsumer,
  ],
  exports: [InstanceService, ManifestRenderer],
})
export class InstanceModule {}
