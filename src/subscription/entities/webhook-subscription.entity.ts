import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const SUBSCRIPTION_STATUSES = ['active', 'paused'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/**
 * A tenant's webhook: which events go to which URL. `secret` signs every delivery; it is shown once
 * at creation and kept to sign (HMAC needs the key itself, a hash of it would not do).
 */
@Entity('webhook_subscription')
export class WebhookSubscription {
  /** A serial number for list cursors and delivery rows; never on the wire. */
  @PrimaryGeneratedColumn()
  id!: number;

  /** The public id: random, so ids of other tenants cannot be guessed. */
  @Column({ type: 'uuid' })
  subscriptionId!: string;

  @Column({ type: 'text' })
  tenant!: string;

  @Column({ type: 'text' })
  owner!: string;

  @Column({ type: 'text' })
  callbackUrl!: string;

  @Column({ type: 'text', array: true })
  events!: string[];

  /** Only events about this object id (null: every object of the tenant). */
  @Column({ type: 'text', nullable: true })
  filterSubject!: string | null;

  @Column({ type: 'text', select: false })
  secret!: string;

  @Column({ type: 'text' })
  status!: SubscriptionStatus;

  /** Failed attempts since the last success; SUBSCRIPTION_PAUSE_AFTER_FAILURES of them pause it. */
  @Column({ type: 'integer' })
  consecutiveFailures!: number;

  @Column({ type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastErrorAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastDeliveredAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  pausedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
