import { Column, Entity, PrimaryGeneratedColumn, VirtualColumn } from 'typeorm';
import type { IntentAdminState, IntentFulfilmentReport } from '../../contract';
import type { AchievedValue } from '../domain/fulfilment';
import { epochMicrosSql } from '../domain/timestamp';

/** One `PUT /intents/{id}/report`, as received, with the fulfilment report it led to. */
@Entity('intent_report_entry')
export class IntentReportEntry {
  /** bigserial: read as a string by pg, a number below 2^53 in practice. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column('integer')
  intentId!: number;

  /** The report's `last_updated_time`; read through `recordedAtMicros` to keep microseconds. */
  @Column({ type: 'timestamptz', select: false })
  recordedAt!: Date;

  @VirtualColumn({
    type: 'text',
    query: (alias) => `SELECT ${epochMicrosSql(`${alias}.recorded_at`)}`,
  })
  recordedAtMicros!: string;

  /** DEACTIVATED: the values were kept but did not change fulfilment. */
  @Column('text')
  adminState!: IntentAdminState;

  @Column('jsonb')
  observations!: Array<{ target: number; target_achieved_value: AchievedValue }>;

  @Column('jsonb')
  fulfilmentReport!: IntentFulfilmentReport;
}
