import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EventsRelayModule } from '../events/events.module';
import { HealthController } from './health.controller';

@Module({
  imports: [
    TerminusModule.forRoot({ errorLogStyle: 'pretty', gracefulShutdownTimeoutMs: 0 }),
    EventsRelayModule,
  ],
  controllers: [HealthController],
})
export class HealthModule {}
