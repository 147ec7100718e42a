import { ConnectionOptions } from 'bullmq';
import { RedisConfig } from '../../config/slices/redis.config';

/** BullMQ's Redis connection settings, the same for queues (both roles) and workers. */
export function queueConnection(config: RedisConfig): ConnectionOptions {
  const url = new URL(config.REDIS_URL);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: decodeURIComponent(url.username) || undefined,
    password: decodeURIComponent(url.password) || undefined,
    db: Number(url.pathname.replace('/', '') || 0),
    tls: url.protocol === 'rediss:' ? {} : undefined,
    // Workers block on Redis: a command must wait for a reconnect rather than fail.
    maxRetriesPerRequest: null,
  };
}
