import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { RedisConfig } from '../../config/slices/redis.config';
import { queueConnection } from './queue-connection';

/**
 * BullMQ's Redis connection for every role. Queues are registered by their domain modules; the
 * worker role's modules build their workers themselves, over the same connection settings.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [RedisConfig],
      useFactory: (config: RedisConfig) => ({
        prefix: config.QUEUE_PREFIX,
        connection: queueConnection(config),
        defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
      }),
    }),
  ],
})
export class QueueModule {}
