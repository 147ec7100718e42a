import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { INTENT_ENTITIES } from './entities';
import { IntentFeasibilityService } from './intent-feasibility.service';
import { IntentTemplatesController } from './intent-templates.controller';
import { IntentTemplatesService, templateCatalogProvider } from './intent-templates.service';
import { IntentController } from './intent.controller';
import { IntentService } from './intent.service';
import { IntentStore } from './intent.store';
import { ObjectResolverRegistry } from './object-resolver.registry';
import { SubscriptionModule } from '../subscription/subscription.module';

/** TS 28.312 intents, templates, feasibility and fulfilment reports; `intent-notify` via the outbox. */
@Module({
  imports: [TypeOrmModule.forFeature(INTENT_ENTITIES), SubscriptionModule],
  controllers: [IntentController, IntentTemplatesController],
  providers: [
    templateCatalogProvider,
    IntentTemplatesService,
    IntentStore,
    ObjectResolverRegistry,
    IntentFeasibilityService,
    IntentService,
  ],
  exports: [IntentService],
})
export class IntentModule {}
