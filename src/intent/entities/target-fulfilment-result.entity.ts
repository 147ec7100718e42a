import { Column, Entity, PrimaryGeneratedColumn, VirtualColumn } from 'typeorm';
import { epochMicrosSql } from '../domain/timestamp';
import type { AchievedValue } from '../domain/fulfilment';
import { FulfilmentInfoColumns } from './fulfilment-info.columns';

const micros = (column: string) => (alias: string) =>
  `SELECT ${epochMicrosSql(`${alias}.${column}`)}`;

/**
 * One per target: the last observed value and what it means for the target's condition, with
 * what the observation window needs (see `TargetWindowState`).
 */
@Entity('target_fulfilment_result')
export class TargetFulfilmentResult {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  intentId!: number;

  @Column('integer')
  expectationFulfilmentResultId!: number;

  @Column('integer')
  expectationTargetId!: number;

  @Column('jsonb', { nullable: true })
  targetAchievedValue!: AchievedValue;

  /** Epoch microseconds (text) of the latest observation, null when none. */
  @VirtualColumn({ type: 'text', query: micros('observed_at') })
  observedAtMicros!: string | null;

  /** Epoch microseconds (text) of the latest observation that missed the condition. */
  @VirtualColumn({ type: 'text', query: micros('missed_at') })
  missedAtMicros!: string | null;

  @Column('jsonb', { nullable: true })
  missedValue!: AchievedValue;

  @Column(() => FulfilmentInfoColumns, { prefix: false })
  info!: FulfilmentInfoColumns;
}
