import { retryDelayMs } from './retry-backoff';

describe('retryDelayMs', () => {
  it('doubles per failed attempt, within [ceiling/2, ceiling]', () => {
    expect(retryDelayMs(1, 1000, 60000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 60000, () => 1)).toBe(1000);
    expect(retryDelayMs(3, 1000, 60000, () => 0)).toBe(2000);
    expect(retryDelayMs(3, 1000, 60000, () => 1)).toBe(4000);
  });

  it('never exceeds the maximum, however many attempts failed', () => {
    expect(retryDelayMs(500, 1000, 60000, () => 1)).toBe(60000);
    expect(retryDelayMs(500, 1000, 60000, () => 0)).toBe(30000);
  });

  it('spreads retries: different random draws give different delays', () => {
    const delays = new Set([0.1, 0.4, 0.7, 0.9].map((r) => retryDelayMs(4, 100, 60000, () => r)));
    expect(delays.size).toBe(4);
  });
});
