import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Condition, ValueRange } from '../../contract';

/**
 * A context at any level of an intent, in one table: at most one of the owner columns is set
 * (expectation, object or target); none set means an intent-level context.
 */
@Entity('intent_context')
export class IntentContext {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  intentId!: number;

  @Column('integer', { nullable: true })
  intentExpectationId!: number | null;

  @Column('integer', { nullable: true })
  expectationObjectId!: number | null;

  @Column('integer', { nullable: true })
  expectationTargetId!: number | null;

  @Column('smallint')
  position!: number;

  @Column('text')
  contextAttribute!: string;

  @Column('text')
  contextCondition!: Condition;

  @Column('jsonb')
  contextValueRange!: ValueRange;
}
