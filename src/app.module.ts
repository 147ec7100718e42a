import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { AppLoggerModule } from './http/logger.module';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule, EventsRelayModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { HelmRepoModule } from './helm-repo/helm-repo.module';
import { HelmModule } from './infra/helm/helm.module';
import { QueueModule } from './infra/queue/queue.module';
import { RedisModule } from './infra/redis/redis.module';
import { S3Module } from './infra/s3/s3.module';
import { InstanceModule } from './instance/instance.module';
import { IntentModule } from './intent/intent.module';
import { HttpMetricsModule, MetricsModule } from './metrics/metrics.module';
import { SubscriptionModule, SubscriptionWorkerModule } from './subscription/subscription.module';
import { WorkloadModule, WorkloadWorkerModule } from './workload/workload.module';

/** What both roles share: configuration, logs, database, outbox, metrics and the outside world. */
const CORE_MODULES = [
  AppConfigModule,
  AppLoggerModule,
  DatabaseModule,
  MetricsModule,
  RedisModule,
  S3Module,
  QueueModule,
  EventsModule,
  HelmModule,
];

/** The `api` role: HTTP routes and the outbox relay. */
@Module({
  imports: [
    ...CORE_MODULES,
    AuthModule,
    EventsRelayModule,
    HealthModule,
    HttpMetricsModule,
    IntentModule,
    HelmRepoModule,
    WorkloadModule,
    InstanceModule,
    SubscriptionModule,
  ],
  providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
})
export class ApiModule {}

/** The `worker` role: BullMQ processors, no HTTP. */
@Module({
  imports: [...CORE_MODULES, WorkloadWorkerModule, SubscriptionWorkerModule],
})
export class WorkerModule {}
