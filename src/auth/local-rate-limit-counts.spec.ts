import { LocalRateLimitCounts } from './local-rate-limit-counts';
import { RateLimitWindow, SharedRateLimitCounts, WindowCount } from './rate-limit.store';

/** Redis's counting rules (fixed windows, block past the limit) over a settable clock. */
class SharedCounts implements SharedRateLimitCounts {
  readonly calls: Array<{ client: string; hits: number[] }> = [];
  private readonly windows = new Map<
    string,
    { hits: number; endsAt: number; blockedUntil: number }
  >();

  /** Answers waiting for release(), in the order Redis executed them (one connection). */
  private held: Array<() => void> | undefined;

  constructor(private readonly clock: { now: number }) {}

  hold(): void {
    this.held = [];
  }

  releaseOne(): void {
    this.held?.shift()?.();
  }

  /** Releases what is held and answers at once from now on. */
  flow(): void {
    const held = this.held ?? [];
    this.held = undefined;
    held.forEach((release) => release());
  }

  count(client: string, windows: readonly RateLimitWindow[], hits: readonly number[]) {
    this.calls.push({ client, hits: [...hits] });
    const counted = this.countNow(client, windows, hits);
    const held = this.held;
    if (!held) return Promise.resolve(counted);
    return new Promise<WindowCount[]>((resolve) => held.push(() => resolve(counted)));
  }

  private countNow(client: string, windows: readonly RateLimitWindow[], hits: readonly number[]) {
    return windows.map((window, i): WindowCount => {
      const key = `${client}:${window.name}`;
      const now = this.clock.now;
      const known = this.windows.get(key);
      const state =
        known && known.endsAt > now
          ? known
          : { hits: 0, endsAt: now + window.windowMs, blockedUntil: known?.blockedUntil ?? 0 };
      state.hits += hits[i];
      if (state.blockedUntil <= now && state.hits > window.limit)
        state.blockedUntil = now + window.blockMs;
      this.windows.set(key, state);
      return {
        hits: state.hits,
        windowLeftMs: state.endsAt - now,
        blockLeftMs: Math.max(0, state.blockedUntil - now),
      };
    });
  }
}

describe('LocalRateLimitCounts', () => {
  const windows: RateLimitWindow[] = [
    { name: 'burst', windowMs: 1000, limit: 5, blockMs: 1000 },
    { name: 'minute', windowMs: 60_000, limit: 8, blockMs: 60_000 },
  ];

  function setUp(syncMs = 100, maxClients = 100) {
    const clock = { now: 1_000_000 };
    const shared = new SharedCounts(clock);
    const counts = new LocalRateLimitCounts(shared, syncMs, maxClients, () => clock.now);
    return { clock, shared, counts };
  }

  it('asks Redis for a first request, then answers from its own counts until the sync is due', async () => {
    const { clock, shared, counts } = setUp();
    expect((await counts.count('sub:a', windows)).map((c) => c.hits)).toEqual([1, 1]);
    clock.now += 10;
    const local = await counts.count('sub:a', windows);
    expect(local).toEqual([
      { hits: 2, windowLeftMs: 990, blockLeftMs: 0 },
      { hits: 2, windowLeftMs: 59_990, blockLeftMs: 0 },
    ]);
    await counts.count('sub:a', windows);
    expect(shared.calls).toHaveLength(1);
    clock.now += 100;
    expect((await counts.count('sub:a', windows)).map((c) => c.hits)).toEqual([4, 4]);
    expect(shared.calls.map((call) => call.hits)).toEqual([
      [1, 1],
      [3, 3],
    ]);
  });

  it('refuses exactly where Redis alone would: the request over a limit goes to Redis and is blocked', async () => {
    const { clock, shared, counts } = setUp(1000);
    const answers: WindowCount[][] = [];
    for (let i = 0; i < 7; i++) {
      answers.push(await counts.count('sub:a', windows));
      clock.now += 1;
    }
    expect(answers.map((a) => a[0].blockLeftMs > 0)).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
      true,
    ]);
    expect(answers[5][0].hits).toBe(6);
    // Only the first request and the ones over the limit asked Redis.
    expect(shared.calls.map((call) => call.hits)).toEqual([
      [1, 1],
      [5, 5],
      [1, 1],
    ]);
  });

  it('asks Redis once a window has ended, without adding the ended window’s requests to the next one', async () => {
    const { clock, shared, counts } = setUp(5000);
    await counts.count('sub:a', windows);
    clock.now += 10;
    await counts.count('sub:a', windows);
    clock.now += 1000;
    const next = await counts.count('sub:a', windows);
    expect(next.map((c) => c.hits)).toEqual([1, 3]);
    expect(shared.calls.at(-1)?.hits).toEqual([1, 2]);
  });

  it('keeps the requests it answered while another sync was on its way for the next sync', async () => {
    const { clock, shared, counts } = setUp();
    shared.hold();
    const first = counts.count('sub:a', windows);
    const second = counts.count('sub:a', windows);
    shared.releaseOne();
    await first;
    expect((await counts.count('sub:a', windows))[1].hits).toBe(2);
    shared.flow();
    expect((await second)[1].hits).toBe(2);
    clock.now += 100;
    expect((await counts.count('sub:a', windows))[1].hits).toBe(4);
    expect(shared.calls.map((call) => call.hits[1])).toEqual([1, 1, 2]);
  });

  it('counts each client on its own and forgets the longest unsynced beyond its size', async () => {
    const { shared, counts } = setUp(1000, 2);
    await counts.count('sub:a', windows);
    await counts.count('sub:b', windows);
    await counts.count('sub:c', windows);
    await counts.count('sub:c', windows);
    await counts.count('sub:b', windows);
    await counts.count('sub:a', windows);
    expect(shared.calls.map((call) => call.client)).toEqual(['sub:a', 'sub:b', 'sub:c', 'sub:a']);
  });

  it('goes to Redis on every request while Redis fails open (no window to count in)', async () => {
    const failing: SharedRateLimitCounts = {
      count: jest.fn((_client: string, w: readonly RateLimitWindow[]) =>
        Promise.resolve(w.map(() => ({ hits: 0, windowLeftMs: 0, blockLeftMs: 0 }))),
      ),
    };
    const counts = new LocalRateLimitCounts(failing, 100, 10);
    await counts.count('sub:a', windows);
    await counts.count('sub:a', windows);
    expect(failing.count).toHaveBeenCalledTimes(2);
  });
});
