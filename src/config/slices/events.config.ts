import { Transform } from 'class-transformer';
import { IsInt, IsUrl, Max, Min } from 'class-validator';
import { toInt, URL_OPTIONS } from '../setting-decorators';

/** The RabbitMQ broker and the transactional outbox relay that publishes to it. */
export class EventsConfig {
  @IsUrl({ ...URL_OPTIONS, protocols: ['amqp', 'amqps'] })
  RABBITMQ_URL!: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(5000)
  OUTBOX_BATCH_SIZE = 500;

  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(60000)
  OUTBOX_POLL_INTERVAL_MS = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(8)
  OUTBOX_RELAY_LOOPS = 2;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  OUTBOX_RETENTION_HOURS = 72;
}
