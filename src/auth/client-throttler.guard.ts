import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { Response } from 'express';
import { TooManyRequestsError } from './auth.errors';
import { AuthenticatedRequest } from './auth.decorators';

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

/**
 * Limits per client, not per route: the token's subject once authenticated, otherwise the client
 * IP (so floods of bad tokens are limited too). Called by AuthGuard between authentication and
 * authorization, never registered as a global guard of its own.
 *
 * Every answer of a limited route carries the IETF draft `RateLimit-Policy` and `RateLimit`
 * headers (draft-ietf-httpapi-ratelimit-headers), one item per window, instead of
 * @nestjs/throttler's `X-RateLimit-*-<name>` headers; a refusal adds a plain `Retry-After`.
 */
@Injectable()
export class ClientThrottlerGuard extends ThrottlerGuard {
  /** The windows counted so far for each response (both windows count every request). */
  private readonly states = new WeakMap<Response, RateLimitState[]>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    reflector: Reflector,
  ) {
    super(options, storage, reflector);
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker, generateKey } = props;
    const http = context.switchToHttp();
    const request = http.getRequest<Record<string, unknown>>();
    const response = http.getResponse<Response>();
    const tracker = await getTracker(request, context);
    const key = generateKey(context, tracker, throttler.name ?? 'default');
    const record = await this.storage.increment(
      key,
      ttl,
      limit,
      blockDuration,
      throttler.name ?? 'default',
    );
    const states = [
      ...(this.states.get(response) ?? []),
      {
        name: throttler.name ?? 'default',
        limit,
        windowSeconds: Math.ceil(ttl / 1000),
        remaining: Math.max(0, limit - record.totalHits),
        resetSeconds: record.isBlocked ? record.timeToBlockExpire : record.timeToExpire,
      },
    ];
    this.states.set(response, states);
    for (const [name, value] of Object.entries(rateLimitHeaders(states)))
      response.setHeader(name, value);
    if (record.isBlocked)
      await this.throwThrottlingException(context, { ...record, limit, ttl, key, tracker });
    return true;
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const { principal, ip } = request as unknown as AuthenticatedRequest;
    return Promise.resolve(principal ? `sub:${principal.subject}` : `ip:${ip ?? 'unknown'}`);
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    throttlerName: string,
  ): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new TooManyRequestsError(Math.max(1, detail.timeToBlockExpire));
  }
}
