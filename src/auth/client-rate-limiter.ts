import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { AuthenticatedRequest } from './auth.decorators';
import { TooManyRequestsError } from './auth.errors';
import { RateLimitCounter, RateLimitWindow, WindowCount } from './rate-limit.store';

export const RATE_LIMIT_COUNTER = Symbol('RATE_LIMIT_COUNTER');
export const RATE_LIMIT_WINDOWS = Symbol('RATE_LIMIT_WINDOWS');

/** One counted window of one request, as the rate-limit headers describe it. */
export interface RateLimitState {
  name: string;
  limit: number;
  windowSeconds: number;
  remaining: number;
  resetSeconds: number;
}

/**
 * `RateLimit-Policy` (quota `q` per window `w` seconds) and `RateLimit` (remaining `r`, seconds
 * until reset `t`), structured-field lists with one item per window, as
 * draft-ietf-httpapi-ratelimit-headers defines them.
 */
export function rateLimitHeaders(states: readonly RateLimitState[]): Record<string, string> {
  return {
    'RateLimit-Policy': states
      .map((state) => `"${state.name}";q=${state.limit};w=${state.windowSeconds}`)
      .join(', '),
    RateLimit: states
      .map((state) => `"${state.name}";r=${state.remaining};t=${state.resetSeconds}`)
      .join(', '),
  };
}

const seconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000));

function stateOf(window: RateLimitWindow, count: WindowCount): RateLimitState {
  return {
    name: window.name,
    limit: window.limit,
    windowSeconds: seconds(window.windowMs),
    remaining: Math.max(0, window.limit - count.hits),
    resetSeconds: seconds(count.blockLeftMs > 0 ? count.blockLeftMs : count.windowLeftMs),
  };
}

/**
 * Limits per client, not per route: the token's subject once authenticated, otherwise the client
 * IP (so floods of bad tokens are limited too). Called by AuthGuard between authentication and
 * authorization. Every answer of a limited route carries `RateLimit-Policy` and `RateLimit`, one
 * item per window; a refusal is a 429 with `Retry-After`.
 */
@Injectable()
export class ClientRateLimiter {
  constructor(
    @Inject(RATE_LIMIT_COUNTER) private readonly counter: RateLimitCounter,
    @Inject(RATE_LIMIT_WINDOWS) private readonly windows: readonly RateLimitWindow[],
  ) {}

  async count(request: AuthenticatedRequest, response: Response): Promise<void> {
    const { principal, ip } = request;
    const client = principal ? `sub:${principal.subject}` : `ip:${ip ?? 'unknown'}`;
    const counts = await this.counter.count(client, this.windows);
    const states = this.windows.map((window, i) => stateOf(window, counts[i]));
    for (const [name, value] of Object.entries(rateLimitHeaders(states)))
      response.setHeader(name, value);
    const blockLeftMs = Math.max(...counts.map((count) => count.blockLeftMs));
    if (blockLeftMs > 0) throw new TooManyRequestsError(Math.max(1, seconds(blockLeftMs)));
  }
}
