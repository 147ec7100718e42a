import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AchievedValue } from '../domain/fulfilment';
import { FulfilmentInfoColumns } from './fulfilment-info.columns';

/** One per target: the last observed value and what it means for the target's condition. */
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

  @Column(() => FulfilmentInfoColumns, { prefix: false })
  info!: FulfilmentInfoColumns;
}
