import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { RedisThrottlerStorage } from '../../../src/auth/redis-throttler.storage';

describe('RedisThrottlerStorage (real Redis)', () => {
  const connections: Redis[] = [];
  const connect = (): Redis => {
    const redis = new Redis(process.env.REDIS_URL ?? '', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    redis.on('error', () => undefined);
    connections.push(redis);
    return redis;
  };

  afterAll(() => connections.forEach((redis) => redis.disconnect()));

  it('shares one count between replicas and blocks past the limit', async () => {
    const prefix = `nemo-test-rl-${randomUUID()}`;
    const [first, second] = [
      new RedisThrottlerStorage(connect(), prefix),
      new RedisThrottlerStorage(connect(), prefix),
    ];
    const hit = (storage: RedisThrottlerStorage) =>
      storage.increment('sub:alice', 60_000, 3, 30_000, 'minute');
    expect(await hit(first)).toMatchObject({ totalHits: 1, isBlocked: false, timeToExpire: 60 });
    expect(await hit(second)).toMatchObject({ totalHits: 2, isBlocked: false });
    expect(await hit(first)).toMatchObject({ totalHits: 3, isBlocked: false });
    expect(await hit(second)).toMatchObject({
      totalHits: 4,
      isBlocked: true,
      timeToBlockExpire: 30,
    });
    expect(await first.increment('sub:bob', 60_000, 3, 30_000, 'minute')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });

  it('starts a new window once the old one expires', async () => {
    const storage = new RedisThrottlerStorage(connect(), `nemo-test-rl-${randomUUID()}`);
    await storage.increment('ip:1', 200, 1, 200, 'burst');
    expect(await storage.increment('ip:1', 200, 1, 200, 'burst')).toMatchObject({
      isBlocked: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await storage.increment('ip:1', 200, 1, 200, 'burst')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });

  it('lets requests through when Redis is down, with a warning', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const down = connect();
    down.disconnect();
    const storage = new RedisThrottlerStorage(down, 'down');
    expect(await storage.increment('sub:x', 1000, 1, 1000, 'burst')).toEqual({
      totalHits: 0,
      timeToExpire: 0,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('Rate limiting is off while Redis fails'),
    );
    warn.mockRestore();
  });
});
