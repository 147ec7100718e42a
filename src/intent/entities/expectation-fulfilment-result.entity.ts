import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { FulfilmentInfoColumns } from './fulfilment-info.columns';

/** One per expectation, created with it (ACKNOWLEDGED) and recomputed on every fulfilment report. */
@Entity('expectation_fulfilment_result')
export class ExpectationFulfilmentResult {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  intentId!: number;

  @Column('integer')
  intentFulfilmentReportId!: number;

  @Column('integer')
  intentExpectationId!: number;

  @Column(() => FulfilmentInfoColumns, { prefix: false })
  info!: FulfilmentInfoColumns;
}
