import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One event owed to one subscription: the webhook outbox. Written in the transaction of the change,
 * claimed by the worker with a lease, deleted once the receiver answered 2xx.
 */
@Entity('webhook_delivery')
export class WebhookDelivery {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** Stable over retries: receivers drop a delivery id they have already seen. */
  @Column({ type: 'uuid' })
  deliveryId!: string;

  @Column({ type: 'integer' })
  subscriptionId!: number;

  /** The CloudEvents `id`: the same for every subscriber of one change. */
  @Column({ type: 'uuid' })
  eventId!: string;

  @Column({ type: 'text' })
  eventType!: string;

  @Column({ type: 'text' })
  subject!: string;

  /** `<family>:<subject>`: deliveries of one key go out one at a time, oldest first. */
  @Column({ type: 'text' })
  objectKey!: string;

  /** The CloudEvents `data` as JSON text, exactly as sent. */
  @Column({ type: 'text' })
  data!: string;

  @Column({ type: 'timestamptz' })
  eventTime!: Date;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ type: 'timestamptz' })
  nextAttemptAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ type: 'timestamptz' })
  createdAt!: Date;
}
