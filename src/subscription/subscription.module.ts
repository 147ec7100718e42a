import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SubscriptionConfig } from '../config/slices/subscription.config';
import { WebhookDelivery } from './entities/webhook-delivery.entity';
import { WebhookSubscription } from './entities/webhook-subscription.entity';
import { DeliveryDispatcher } from './jobs/delivery.dispatcher';
import { SubscriptionController } from './subscription.controller';
import { SubscriptionService } from './subscription.service';
import { SUBSCRIPTION_SETTINGS, subscriptionSettings } from './subscription-settings';

const SETTINGS = {
  provide: SUBSCRIPTION_SETTINGS,
  inject: [SubscriptionConfig],
  useFactory: subscriptionSettings,
};

/**
 * Webhook subscriptions: the REST routes (api role) and `SubscriptionService.record`, which the
 * intent, instance and workload modules call inside the transaction of a change.
 */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookSubscription, WebhookDelivery])],
  controllers: [SubscriptionController],
  providers: [SETTINGS, SubscriptionService],
  exports: [SubscriptionService],
})
export class SubscriptionModule {}

/** Worker role: the sender of the recorded deliveries. */
@Module({
  imports: [SubscriptionModule],
  providers: [SETTINGS, DeliveryDispatcher],
})
export class SubscriptionWorkerModule {}
