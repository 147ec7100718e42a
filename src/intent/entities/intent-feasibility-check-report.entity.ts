import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { FeasibilityCheckType } from '../../contract';

@Entity('intent_feasibility_check_report')
export class IntentFeasibilityCheckReport {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  intentId!: number;

  @Column('integer')
  intentReportId!: number;

  @Column('text')
  feasibilityCheckType!: FeasibilityCheckType;

  /** Every reason found, joined with "; " (null when FEASIBLE). */
  @Column('text', { nullable: true })
  infeasibilityReason!: string | null;
}
