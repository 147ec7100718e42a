import { Column } from 'typeorm';
import type { FulfilmentStatus, NotFulfilledState } from '../../contract';

/** The TS 28.312 FulfilmentInfo, embedded (without a prefix) in every row that reports fulfilment. */
export class FulfilmentInfoColumns {
  @Column('text')
  fulfilmentStatus!: FulfilmentStatus;

  @Column('text', { nullable: true })
  notFulfilledState!: NotFulfilledState | null;

  @Column('jsonb')
  notFulfilledReasons!: string[];
}
