import { VerifiedTokenCache } from './verified-token-cache';

describe('VerifiedTokenCache', () => {
  let now = 1_000_000;
  const clock = () => now;
  const exp = (secondsFromNow: number) => Math.floor(now / 1000) + secondsFromNow;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('answers a remembered token until the cache lifetime ends', () => {
    const cache = new VerifiedTokenCache(10, 30_000, clock);
    cache.remember('a', { sub: 'u', exp: exp(3600) });
    expect(cache.get('a')?.sub).toBe('u');
    now += 29_999;
    expect(cache.get('a')?.sub).toBe('u');
    now += 2;
    expect(cache.get('a')).toBeUndefined();
  });

  it('never answers a token past its exp', () => {
    const cache = new VerifiedTokenCache(10, 30_000, clock);
    cache.remember('a', { sub: 'u', exp: exp(5) });
    now += 5_001;
    expect(cache.get('a')).toBeUndefined();
  });

  it('does not keep tokens without exp, already expired, or when disabled', () => {
    const cache = new VerifiedTokenCache(10, 30_000, clock);
    cache.remember('no-exp', { sub: 'u' });
    cache.remember('expired', { sub: 'u', exp: exp(-1) });
    expect(cache.size).toBe(0);
    const off = new VerifiedTokenCache(10, 0, clock);
    off.remember('a', { sub: 'u', exp: exp(60) });
    expect(off.get('a')).toBeUndefined();
  });

  it('drops the oldest entry beyond its bound', () => {
    const cache = new VerifiedTokenCache(2, 30_000, clock);
    for (const token of ['a', 'b', 'c']) cache.remember(token, { sub: token, exp: exp(60) });
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')?.sub).toBe('c');
  });

  it('matches the exact token text only', () => {
    const cache = new VerifiedTokenCache(10, 30_000, clock);
    cache.remember('token', { sub: 'u', exp: exp(60) });
    expect(cache.get('token ')).toBeUndefined();
    expect(cache.get('toke')).toBeUndefined();
  });
});
