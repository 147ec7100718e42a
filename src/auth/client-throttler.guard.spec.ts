import { rateLimitHeaders } from './client-throttler.guard';

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
