import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/** One fixed window of a rate limit: at most `limit` requests per `windowMs`. */
export interface RateLimitWindow {
  name: string;
  windowMs: number;
  limit: number;
  /** How long a client that went past the limit stays refused. */
  blockMs: number;
}

/** A window's state after counting one request. */
export interface WindowCount {
  hits: number;
  /** Milliseconds until the window starts over. */
  windowLeftMs: number;
  /** Milliseconds the client stays refused; 0 when it is not. */
  blockLeftMs: number;
}

/** What ClientRateLimiter counts through: Redis itself, or the local counts in front of it. */
export interface RateLimitCounter {
  count(client: string, windows: readonly RateLimitWindow[]): Promise<WindowCount[]>;
}

/** The shared counts, told how many requests of a client to add per window. */
export interface SharedRateLimitCounts {
  count(
    client: string,
    windows: readonly RateLimitWindow[],
    hits: readonly number[],
  ): Promise<WindowCount[]>;
}

/**
 * Every window of one client in one atomic script, so a sync costs one Redis round trip and
 * concurrent api replicas share the counts. Per window i: KEYS[2i-1] hits, KEYS[2i] block marker;
 * ARGV[4i-3..4i] window ms, limit, block ms, requests to add. Returns hits, window ms left, block
 * ms left per window.
 */
const COUNT_SCRIPT = `
local result = {}
for i = 1, #KEYS / 2 do
  local hits = redis.call('INCRBY', KEYS[2 * i - 1], ARGV[4 * i])
  local ttl = redis.call('PTTL', KEYS[2 * i - 1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[2 * i - 1], ARGV[4 * i - 3])
    ttl = tonumber(ARGV[4 * i - 3])
  end
  local blocked = redis.call('PTTL', KEYS[2 * i])
  if blocked <= 0 and hits > tonumber(ARGV[4 * i - 2]) then
    redis.call('SET', KEYS[2 * i], '1', 'PX', ARGV[4 * i - 1])
    blocked = tonumber(ARGV[4 * i - 1])
  end
  result[3 * i - 2] = hits
  result[3 * i - 1] = ttl
  result[3 * i] = blocked
end
return result
`;

const COMMAND = 'nemoRateLimitCount';
const WARN_EVERY_MS = 60_000;

type CountingRedis = Redis & {
  [COMMAND](keyCount: number, ...keysAndArgs: Array<string | number>): Promise<number[]>;
};

/** Rate-limit counters in Redis (EVALSHA of one script); fails open when Redis does. */
export class RateLimitStore implements SharedRateLimitCounts {
  private readonly logger = new Logger(RateLimitStore.name);
  private readonly redis: CountingRedis;
  private lastWarning = 0;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand(COMMAND, { lua: COUNT_SCRIPT });
    this.redis = redis as CountingRedis;
  }

  async count(
    client: string,
    windows: readonly RateLimitWindow[],
    hits: readonly number[] = windows.map(() => 1),
  ): Promise<WindowCount[]> {
    const keys = windows.flatMap((w) => [
      `${this.prefix}:${w.name}:${client}:hits`,
      `${this.prefix}:${w.name}:${client}:block`,
    ]);
    const args = windows.flatMap((w, i) => [w.windowMs, w.limit, w.blockMs, hits[i]]);
    try {
      const flat = await this.redis[COMMAND](keys.length, ...keys, ...args);
      return windows.map((_, i) => ({
        hits: flat[3 * i],
        windowLeftMs: flat[3 * i + 1],
        blockLeftMs: Math.max(0, flat[3 * i + 2]),
      }));
    } catch (error) {
      return this.failOpen(windows, error);
    }
  }

  /** Losing Redis must not take the API down with it: requests pass uncounted, with a warning. */
  private failOpen(windows: readonly RateLimitWindow[], error: unknown): WindowCount[] {
    if (Date.now() - this.lastWarning > WARN_EVERY_MS) {
      this.lastWarning = Date.now();
      this.logger.warn(
        `Rate limiting is off while Redis fails: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return windows.map(() => ({ hits: 0, windowLeftMs: 0, blockLeftMs: 0 }));
  }
}
