import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Condition, ValueRange } from '../../contract';

@Entity('expectation_target')
export class ExpectationTarget {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  intentId!: number;

  @Column('integer')
  intentExpectationId!: number;

  @Column('smallint')
  position!: number;

  @Column('text')
  targetName!: string;

  @Column('text')
  targetCondition!: Condition;

  /** jsonb keeps the JSON type the client sent: 20 stays a number, "20" a string. */
  @Column('jsonb')
  targetValueRange!: ValueRange;
}
