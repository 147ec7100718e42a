import { Column, Entity, PrimaryGeneratedColumn, VirtualColumn } from 'typeorm';
import { epochMicrosSql } from '../domain/timestamp';

/** `intent_report_reference`: ties the fulfilment and feasibility reports to the intent. */
@Entity('intent_report')
export class IntentReport {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  intentId!: number;

  /** Set by the database (clock_timestamp()); read through `lastUpdatedMicros` to keep microseconds. */
  @Column({ type: 'timestamptz', select: false, insert: false })
  lastUpdatedTime!: Date;

  @VirtualColumn({
    type: 'text',
    query: (alias) => `SELECT ${epochMicrosSql(`${alias}.last_updated_time`)}`,
  })
  lastUpdatedMicros!: string;
}
