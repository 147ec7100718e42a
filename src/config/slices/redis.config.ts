import { IsUrl, Matches } from 'class-validator';
import { URL_OPTIONS } from '../setting-decorators';

/** Redis (BullMQ queues, rate-limit counters) and the prefix of every key the service writes there. */
export class RedisConfig {
  @IsUrl({ ...URL_OPTIONS, protocols: ['redis', 'rediss'] })
  REDIS_URL!: string;

  @Matches(/^[A-Za-z0-9_-]{1,40}$/, { message: 'must be 1-40 of [A-Za-z0-9_-]' })
  QUEUE_PREFIX = 'nemo';
}
