import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { REDIS } from '../infra/redis/redis.module';
import { AuthGuard } from './auth.guard';
import { ClientThrottlerGuard } from './client-throttler.guard';
import { DevAuthController } from './dev-auth.controller';
import { DevIdentity } from './dev-identity';
import { DEV_IDENTITY, DevTokenService } from './dev-token.service';
import { PrincipalMapper } from './principal-mapper';
import { RedisThrottlerStorage } from './redis-throttler.storage';
import { TokenVerifier } from './token-verifier';
import { OidcKeys, VERIFICATION_KEYS } from './verification-keys';

/**
 * Bearer-token authentication, role permissions, tenancy and per-client rate limiting for every
 * route of the api role, through one global guard (AuthGuard).
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, REDIS],
      useFactory: (config: AppConfig, redis: Redis) => ({
        throttlers: [
          { name: 'burst', ttl: 1000, limit: config.RATE_LIMIT_BURST },
          { name: 'minute', ttl: 60_000, limit: config.RATE_LIMIT_PER_MINUTE },
        ],
        storage: new RedisThrottlerStorage(redis, `${config.QUEUE_PREFIX}:ratelimit`),
      }),
    }),
  ],
  controllers: [DevAuthController],
  providers: [
    {
      provide: DEV_IDENTITY,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        config.AUTH_MODE === 'dev' ? DevIdentity.create(config) : null,
    },
    {
      provide: VERIFICATION_KEYS,
      inject: [AppConfig, DEV_IDENTITY],
      useFactory: (config: AppConfig, dev: DevIdentity | null) => dev ?? new OidcKeys(config),
    },
    TokenVerifier,
    PrincipalMapper,
    ClientThrottlerGuard,
    DevTokenService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [DevTokenService],
})
export class AuthModule {}
