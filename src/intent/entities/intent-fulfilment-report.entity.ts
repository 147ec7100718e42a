import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { FulfilmentInfoColumns } from './fulfilment-info.columns';

@Entity('intent_fulfilment_report')
export class IntentFulfilmentReport {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  intentId!: number;

  @Column('integer')
  intentReportId!: number;

  @Column(() => FulfilmentInfoColumns, { prefix: false })
  info!: FulfilmentInfoColumns;
}
