/**
 * Runs `work` over `items` with at most `limit` in flight. Stops starting new items after the first
 * failure, lets the running ones finish, then rejects with that first failure.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (failure) throw failure.error;
  return results;
}

/**
 * Calls `attempt` until it succeeds, `retries` more times at most, waiting `backoffMs` × 2^n
 * (±50 %); no retry starts after `deadline` (epoch ms), the last failure is thrown instead.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  options: {
    retries: number;
    backoffMs: number;
    retryable: (error: unknown) => boolean;
    deadline?: number;
  },
): Promise<T> {
  for (let tried = 0; ; tried++) {
    try {
      return await attempt();
    } catch (error) {
      if (tried >= options.retries || !options.retryable(error)) throw error;
      const delay = options.backoffMs * 2 ** tried * (0.5 + Math.random());
      if (options.deadline !== undefined && Date.now() + delay >= options.deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
