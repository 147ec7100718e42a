import { mapLimit, withRetries } from './map-limit';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('mapLimit', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      running--;
      return n * 10;
    });
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(peak).toBe(3);
  });

  it('stops starting items after a failure and rejects with it', async () => {
    const started: number[] = [];
    const run = mapLimit([1, 2, 3, 4, 5], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('boom');
      return n;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });

  it('handles an empty list', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});

describe('withRetries', () => {
  it('retries retryable failures up to the limit', async () => {
    let calls = 0;
    const result = await withRetries(
      async () => {
        if (++calls < 3) throw new Error('flaky');
        return 'ok';
      },
      { retries: 3, backoffMs: 1, retryable: () => true },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('gives up at once on a failure that is not retryable, and after the last retry', async () => {
    let calls = 0;
    const fail = async () => {
      calls++;
      throw new Error('nope');
    };
    await expect(
      withRetries(fail, { retries: 5, backoffMs: 1, retryable: () => false }),
    ).rejects.toThrow('nope');
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      withRetries(fail, { retries: 2, backoffMs: 1, retryable: () => true }),
    ).rejects.toThrow('nope');
    expect(calls).toBe(3);
  });

  it('starts no retry whose wait would pass the deadline', async () => {
    let calls = 0;
    const started = Date.now();
    const fail = async () => {
      calls++;
      throw new Error('slow');
    };
    await expect(
      withRetries(fail, {
        retries: 10,
        backoffMs: 80,
        retryable: () => true,
        deadline: Date.now() + 100,
      }),
    ).rejects.toThrow('slow');
    expect(calls).toBeLessThanOrEqual(2);
    expect(Date.now() - started).toBeLessThan(150);
  });
});
