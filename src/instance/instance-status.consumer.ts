import { AmqpConnection, defaultNackErrorHandler, Nack } from '@golevelup/nestjs-rabbitmq';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { IsUUID, validate } from 'class-validator';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../common/errors/domain-error';
import { findForbiddenInput } from '../common/http/forbidden-input';
import { InstanceConfig } from '../config/slices/instance.config';
import { ReportStatusDto } from './dto/report-status.dto';
import { InstanceService } from './instance.service';

/** A status report on the queue: the REST body plus the instance it is about. */
export class InstanceStatusMessage extends ReportStatusDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  instance_id!: string;
}

/** Redelivery delay after a failure that may pass (database down): no hot requeue loop. */
const RETRY_DELAY_MS = 1000;

/**
 * Consumes meta-Orchestrator status reports from INSTANCE_STATUS_QUEUE (durable, declared here),
 * when configured. JSON body `{"instance_id", "status", "cluster_name"?, "reason"?}`. An invalid
 * message (NUL characters and lone surrogates included, as on the REST route) is dropped; a report
 * the lifecycle refuses (unknown instance, illegal transition) is logged and acknowledged, since
 * repeating it would not help; other failures are redelivered.
 */
@Injectable()
export class InstanceStatusConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(InstanceStatusConsumer.name);

  constructor(
    private readonly amqp: AmqpConnection,
    private readonly config: InstanceConfig,
    private readonly instances: InstanceService,
  ) {}

  onApplicationBootstrap(): void {
    const queue = this.config.INSTANCE_STATUS_QUEUE;
    if (!queue) return;
    this.amqp
      .createSubscriber<unknown>(
        (message) => this.handle(message),
        {
          queue,
          queueOptions: { durable: true },
          errorHandler: defaultNackErrorHandler,
        },
        'instance-status',
      )
      .then(() => this.logger.log(`Consuming instance status reports from queue "${queue}"`))
      .catch((error: unknown) =>
        this.logger.error(`Cannot consume queue "${queue}": ${(error as Error).message}`),
      );
  }

  async handle(message: unknown): Promise<Nack | undefined> {
    const report = plainToInstance(InstanceStatusMessage, message ?? {});
    if ((await this.problemsOf(message, report)) > 0) {
      this.logger.warn(
        `Dropped an invalid status report: ${JSON.stringify(message)?.slice(0, 500)}`,
      );
      return new Nack(false);
    }
    try {
      await this.instances.applyReport(report.instance_id, report);
      return undefined;
    } catch (error) {
      if (error instanceof DomainError) {
        this.logger.warn(`Status report for ${report.instance_id} refused: ${error.message}`);
        return undefined;
      }
      this.logger.error(
        `Status report for ${report.instance_id} failed, will retry: ${(error as Error).message}`,
      );
      await sleep(RETRY_DELAY_MS);
      return new Nack(true);
    }
  }

  /**
   * How many reasons the message has to be dropped. A NUL character or a lone surrogate, which the
   * HTTP routes refuse before validation, counts too: PostgreSQL would refuse the text, and a
   * database error is redelivered, so the message would come back forever.
   */
  private async problemsOf(message: unknown, report: InstanceStatusMessage): Promise<number> {
    if (typeof message !== 'object' || message === null) return 1;
    return findForbiddenInput(message).length + (await validate(report)).length;
  }
}
