import { RabbitMQModule, RabbitMQQueueConfig } from '@golevelup/nestjs-rabbitmq';
import { Global, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsConfig } from '../config/slices/events.config';
import { AsyncApiController } from './asyncapi.controller';
import { OutboxMessage } from './entities/outbox-message.entity';
import { EVENTS_EXCHANGE, EVENTS_EXCHANGE_TYPE, ROUTING_KEYS } from '../contract';
import { OutboxRelay } from './outbox-relay.service';
import { OutboxService } from './outbox.service';

/** The durable queue of each routing key, bound with the key of the same name (seed contract). */
export const EVENT_QUEUES: RabbitMQQueueConfig[] = ROUTING_KEYS.map((key) => ({
  name: key,
  exchange: EVENTS_EXCHANGE,
  routingKey: key,
  options: { durable: true },
}));

/** Recording events: every role may change state, so every role has the outbox. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([OutboxMessage])],
  providers: [OutboxService],
  exports: [OutboxService],
})
export class EventsModule {}

/** Publishing events: the broker connection, the topology and the relay, in the api role. */
@Module({
  imports: [
    RabbitMQModule.forRootAsync({
      inject: [EventsConfig],
      useFactory: (config: EventsConfig) => ({
        // golevelup keeps connections in a process-wide map keyed by name: a unique name keeps
        // two applications in one process (tests) from overwriting each other's connection.
        name: `nemo-intent-api-${randomUUID()}`,
        uri: config.RABBITMQ_URL,
        exchanges: [
          { name: EVENTS_EXCHANGE, type: EVENTS_EXCHANGE_TYPE, options: { durable: true } },
        ],
        queues: EVENT_QUEUES,
        connectionInitOptions: { wait: false },
        connectionManagerOptions: { heartbeatIntervalInSeconds: 15, reconnectTimeInSeconds: 1 },
        registerHandlers: false,
        enableDirectReplyTo: false,
      }),
    }),
  ],
  controllers: [AsyncApiController],
  providers: [OutboxRelay],
  exports: [OutboxRelay, RabbitMQModule],
})
export class EventsRelayModule {}
