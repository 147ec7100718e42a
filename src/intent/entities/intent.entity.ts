import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { IntentAdminState } from '../../contract';

/** The root of a TS 28.312 intent; every nested row carries `intent_id` and is deleted with it. */
@Entity('intent')
export class Intent {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The subject that created the intent. */
  @Column('text')
  owner!: string;

  @Column('text')
  tenant!: string;

  @Column('text')
  userLabel!: string;

  @Column('boolean')
  intentPreemptionCapability!: boolean;

  /** Seconds. */
  @Column('integer')
  observationPeriod!: number;

  /** TS 28.312 intentAdminState: DEACTIVATED suspends the intent, its data kept. */
  @Column('text')
  adminState!: IntentAdminState;

  /** Why the admin state last changed when the system changed it (e.g. its instance was deleted). */
  @Column('text', { nullable: true })
  adminStateReason!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
