import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ConflictType } from '../../contract';

/**
 * TS 28.312 IntentConflictReport of `intent_id`: its targets cannot hold together with those of
 * `conflicting_intent_id`. Written for both intents at once and removed for both at once.
 */
@Entity('intent_conflict_report')
export class IntentConflictReport {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  intentId!: number;

  @Column('integer')
  conflictingIntentId!: number;

  @Column('text')
  conflictType!: ConflictType;

  @Column('text')
  conflictDescription!: string;

  @Column('text')
  recommendedSolution!: string;
}
