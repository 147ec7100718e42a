import type { Response } from 'express';
import { AuthenticatedRequest } from './auth.decorators';
import { TooManyRequestsError } from './auth.errors';
import { ClientRateLimiter, rateLimitHeaders } from './client-rate-limiter';
import { RateLimitCounter, RateLimitWindow, WindowCount } from './rate-limit.store';

describe('rateLimitHeaders (draft-ietf-httpapi-ratelimit-headers)', () => {
  it('lists every counted window as a structured-field item', () => {
    expect(
      rateLimitHeaders([
        { name: 'burst', limit: 50, windowSeconds: 1, remaining: 49, resetSeconds: 1 },
        { name: 'minute', limit: 600, windowSeconds: 60, remaining: 598, resetSeconds: 58 },
      ]),
    ).toEqual({
      'RateLimit-Policy': '"burst";q=50;w=1, "minute";q=600;w=60',
      RateLimit: '"burst";r=49;t=1, "minute";r=598;t=58',
    });
  });
});

describe('ClientRateLimiter', () => {
  const windows: RateLimitWindow[] = [
    { name: 'burst', windowMs: 1000, limit: 2, blockMs: 1000 },
    { name: 'minute', windowMs: 60_000, limit: 10, blockMs: 60_000 },
  ];

  function limiterAnswering(counts: WindowCount[]) {
    const clients: string[] = [];
    const store = {
      count: (client: string) => {
        clients.push(client);
        return Promise.resolve(counts);
      },
    } as RateLimitCounter;
    const headers = new Map<string, string>();
    const response = { setHeader: (n: string, v: string) => headers.set(n, v) };
    return {
      limiter: new ClientRateLimiter(store, windows),
      response: response as unknown as Response,
      headers,
      clients,
    };
  }

  it('counts by subject once authenticated, by IP otherwise, and sets the headers', async () => {
    const { limiter, response, headers, clients } = limiterAnswering([
      { hits: 1, windowLeftMs: 900, blockLeftMs: 0 },
      { hits: 3, windowLeftMs: 58_100, blockLeftMs: 0 },
    ]);
    await limiter.count({ principal: { subject: 'alice' } } as AuthenticatedRequest, response);
    await limiter.count({ ip: '10.0.0.1' } as AuthenticatedRequest, response);
    expect(clients).toEqual(['sub:alice', 'ip:10.0.0.1']);
    expect(headers.get('RateLimit')).toBe('"burst";r=1;t=1, "minute";r=7;t=59');
  });

  it('refuses with the longest block as Retry-After', async () => {
    const { limiter, response } = limiterAnswering([
      { hits: 3, windowLeftMs: 400, blockLeftMs: 1000 },
      { hits: 11, windowLeftMs: 20_000, blockLeftMs: 42_000 },
    ]);
    const refusal = limiter.count({ ip: '10.0.0.1' } as AuthenticatedRequest, response);
    await expect(refusal).rejects.toBeInstanceOf(TooManyRequestsError);
    await expect(refusal).rejects.toMatchObject({ retryAfterSeconds: 42 });
  });
});
