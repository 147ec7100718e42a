import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import Redis from 'ioredis';
import { Public } from '../auth/auth.decorators';
import { DEFAULT_RETRY_AFTER_SECONDS } from '../common/errors/problem-details.filter';
import { HealthConfig } from '../config/slices/health.config';
import { HelmRepositoryConfig } from '../config/slices/helm-repository.config';
import { REDIS } from '../infra/redis/redis.module';
import { parseBucketPath, S3_CLIENT } from '../infra/s3/s3.module';

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${what} did not answer in ${CHECK_TIMEOUT_MS} ms`)),
        CHECK_TIMEOUT_MS,
      ).unref(),
    ),
  ]);
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly amqp: AmqpConnection,
    private readonly config: HealthConfig,
    private readonly helmRepository: HelmRepositoryConfig,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(S3_CLIENT) private readonly s3: S3Client,
  ) {}

  @Get('healthz')
  @ApiOperation({ operationId: 'health_liveness', summary: 'Liveness: the process answers.' })
  @ApiOkResponse({
    description: 'The process is alive.',
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', pattern: '^ok$', maxLength: 2, example: 'ok' } },
    },
  })
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @HealthCheck()
  @ApiOperation({
    operationId: 'health_readiness',
    summary: 'Readiness: PostgreSQL, Redis, RabbitMQ and S3 answer.',
    description:
      'A broker outage answers 503 unless READYZ_REQUIRE_BROKER=false, in which case it is reported as ' +
      '"degraded" with 200: events wait in the outbox until the broker is back.',
  })
  @ApiServiceUnavailableResponse({
    description: 'A required dependency is down.',
    headers: {
      'Retry-After': {
        description: 'Seconds to wait before asking again.',
        schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 86_400 },
      },
    },
  })
  async readiness(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.database.pingCheck('postgresql', { timeout: CHECK_TIMEOUT_MS }),
        () => this.checkRedis(),
        () => this.checkBroker(),
        () => this.checkS3(),
      ]);
    } catch (error) {
      // Probes and operators read the per-dependency report, so a 503 keeps terminus' body
      // instead of becoming a problem document.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503).setHeader('Retry-After', String(DEFAULT_RETRY_AFTER_SECONDS));
      return error.getResponse() as HealthCheckResult;
    }
  }

  private async checkRedis(): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('redis');
    try {
      if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
      await withTimeout(this.redis.ping(), 'Redis');
      return session.up();
    } catch (error) {
      return session.down({ message: reason(error) });
    }
  }

  private checkBroker(): HealthIndicatorResult {
    const session = this.indicators.check('rabbitmq');
    if (this.amqp.connected) return session.up();
    const message = 'RabbitMQ is not connected; events are kept in the outbox until it is back';
    return this.config.READYZ_REQUIRE_BROKER
      ? session.down({ message })
      : session.degraded({ message });
  }

  private async checkS3(): Promise<HealthIndicatorResult> {
    const session = this.indicators.check('s3');
    const { bucket } = parseBucketPath(this.helmRepository.HELM_REPOSITORY_BUCKET);
    try {
      await withTimeout(this.s3.send(new HeadBucketCommand({ Bucket: bucket })), 'S3');
      return session.up({ bucket });
    } catch (error) {
      return session.down({ bucket, message: reason(error) });
    }
  }
}
