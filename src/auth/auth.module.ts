import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import Redis from 'ioredis';
import { AuthConfig } from '../config/slices/auth.config';
import { HttpConfig } from '../config/slices/http.config';
import { RedisConfig } from '../config/slices/redis.config';
import { REDIS } from '../infra/redis/redis.module';
import { AuthGuard } from './auth.guard';
import { ClientRateLimiter, RATE_LIMIT_COUNTER, RATE_LIMIT_WINDOWS } from './client-rate-limiter';
import { DevAuthController } from './dev-auth.controller';
import { DevIdentity } from './dev-identity';
import { LocalRateLimitCounts } from './local-rate-limit-counts';
import { DEV_IDENTITY, DevTokenService } from './dev-token.service';
import { PrincipalMapper } from './principal-mapper';
import { RateLimitStore, RateLimitWindow } from './rate-limit.store';
import { TokenVerifier } from './token-verifier';
import { OidcKeys, VERIFICATION_KEYS } from './verification-keys';

/**
 * Bearer-token authentication, role permissions, tenancy and per-client rate limiting for every
 * route of the api role, through one global guard (AuthGuard).
 */
@Module({
  controllers: [DevAuthController],
  providers: [
    {
      provide: DEV_IDENTITY,
      inject: [AuthConfig, HttpConfig],
      useFactory: (config: AuthConfig, http: HttpConfig) =>
        config.AUTH_MODE === 'dev' ? DevIdentity.create(config, http) : null,
    },
    {
      provide: VERIFICATION_KEYS,
      inject: [AuthConfig, DEV_IDENTITY],
      useFactory: (config: AuthConfig, dev: DevIdentity | null) => dev ?? new OidcKeys(config),
    },
    TokenVerifier,
    PrincipalMapper,
    {
      provide: RATE_LIMIT_COUNTER,
      inject: [RedisConfig, AuthConfig, REDIS],
      useFactory: (redisConfig: RedisConfig, config: AuthConfig, redis: Redis) => {
        const shared = new RateLimitStore(redis, `${redisConfig.QUEUE_PREFIX}:ratelimit`);
        if (config.RATE_LIMIT_SYNC_MS === 0) return shared;
        return new LocalRateLimitCounts(
          shared,
          config.RATE_LIMIT_SYNC_MS,
          config.RATE_LIMIT_MAX_LOCAL_CLIENTS,
        );
      },
    },
    {
      provide: RATE_LIMIT_WINDOWS,
      inject: [AuthConfig],
      // A client past a window's limit stays refused for that window's length.
      useFactory: (config: AuthConfig): RateLimitWindow[] => [
        { name: 'burst', windowMs: 1000, limit: config.RATE_LIMIT_BURST, blockMs: 1000 },
        {
          name: 'minute',
          windowMs: 60_000,
          limit: config.RATE_LIMIT_PER_MINUTE,
          blockMs: 60_000,
        },
      ],
    },
    ClientRateLimiter,
    DevTokenService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [DevTokenService],
})
export class AuthModule {}
