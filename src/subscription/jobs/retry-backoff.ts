/**
 * Exponential backoff with jitter: the n-th failed attempt waits between half and all of
 * min(max, base · 2^(n-1)), so receivers recovering from an outage are not hit by every
 * subscriber's retries at the same instant.
 */
export function retryDelayMs(
  failedAttempts: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 30);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
