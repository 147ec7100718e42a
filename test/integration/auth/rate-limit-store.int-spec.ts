import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { LocalRateLimitCounts } from '../../../src/auth/local-rate-limit-counts';
import { RateLimitStore, RateLimitWindow } from '../../../src/auth/rate-limit.store';

describe('RateLimitStore (real Redis)', () => {
  const connections: Redis[] = [];
  const connect = (): Redis => {
    const redis = new Redis(process.env.REDIS_URL ?? '', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    redis.on('error', (error: Error) => new Logger('redis').debug(error.message));
    connections.push(redis);
    return redis;
  };
  const minute: RateLimitWindow = { name: 'minute', windowMs: 60_000, limit: 3, blockMs: 30_000 };
  const burst: RateLimitWindow = { name: 'burst', windowMs: 200, limit: 1, blockMs: 200 };

  afterAll(() => connections.forEach((redis) => redis.disconnect()));

  it('shares one count between replicas and blocks past the limit', async () => {
    const prefix = `nemo-test-rl-${randomUUID()}`;
    const [first, second] = [
      new RateLimitStore(connect(), prefix),
      new RateLimitStore(connect(), prefix),
    ];
    const hit = async (store: RateLimitStore) => (await store.count('sub:alice', [minute]))[0];
    expect(await hit(first)).toMatchObject({ hits: 1, blockLeftMs: 0 });
    expect((await hit(first)).windowLeftMs).toBeGreaterThan(59_000);
    expect(await hit(second)).toMatchObject({ hits: 3, blockLeftMs: 0 });
    const blocked = await hit(second);
    expect(blocked.hits).toBe(4);
    expect(blocked.blockLeftMs).toBeGreaterThan(29_000);
    expect((await first.count('sub:bob', [minute]))[0]).toMatchObject({ hits: 1, blockLeftMs: 0 });
  });

  it('counts every window of a client in one call, each on its own', async () => {
    const store = new RateLimitStore(connect(), `nemo-test-rl-${randomUUID()}`);
    const [b1, m1] = await store.count('ip:1', [burst, minute]);
    const [b2, m2] = await store.count('ip:1', [burst, minute]);
    expect([b1.hits, m1.hits, b2.hits, m2.hits]).toEqual([1, 1, 2, 2]);
    expect(b2.blockLeftMs).toBeGreaterThan(0);
    expect(m2.blockLeftMs).toBe(0);
  });

  it('adds the requests a replica counted since its last sync in one call', async () => {
    const store = new RateLimitStore(connect(), `nemo-test-rl-${randomUUID()}`);
    expect((await store.count('ip:1', [burst, minute], [1, 5]))[1].hits).toBe(5);
    const [b, m] = await store.count('ip:1', [burst, minute], [0, 2]);
    expect([b.hits, m.hits, m.blockLeftMs > 0]).toEqual([1, 7, true]);
  });

  it('local counts in two replicas settle in Redis: one refuses at the limit, the other learns of it at its next sync', async () => {
    const prefix = `nemo-test-rl-${randomUUID()}`;
    const limit: RateLimitWindow = { name: 'minute', windowMs: 60_000, limit: 6, blockMs: 30_000 };
    const [first, second] = [
      new LocalRateLimitCounts(new RateLimitStore(connect(), prefix), 150, 100),
      new LocalRateLimitCounts(new RateLimitStore(connect(), prefix), 150, 100),
    ];
    const blocked = async (replica: LocalRateLimitCounts) =>
      (await replica.count('sub:carol', [limit]))[0].blockLeftMs > 0;
    expect(await blocked(second)).toBe(false);
    const answers: boolean[] = [];
    for (let i = 0; i < 6; i++) answers.push(await blocked(first));
    // first saw second's request when it asked Redis first: its sixth request is the seventh.
    expect(answers).toEqual([false, false, false, false, false, true]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await blocked(second)).toBe(true);
  });

  it('starts a new window once the old one expires', async () => {
    const store = new RateLimitStore(connect(), `nemo-test-rl-${randomUUID()}`);
    await store.count('ip:1', [burst]);
    expect((await store.count('ip:1', [burst]))[0].blockLeftMs).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await store.count('ip:1', [burst]))[0]).toMatchObject({ hits: 1, blockLeftMs: 0 });
  });

  it('lets requests through when Redis is down, with a warning', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const down = connect();
    down.disconnect();
    const store = new RateLimitStore(down, 'down');
    expect(await store.count('sub:x', [burst, minute])).toEqual([
      { hits: 0, windowLeftMs: 0, blockLeftMs: 0 },
      { hits: 0, windowLeftMs: 0, blockLeftMs: 0 },
    ]);
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('Rate limiting is off while Redis fails'),
    );
    warn.mockRestore();
  });
});
