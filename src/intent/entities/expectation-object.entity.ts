import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What an expectation is about (one per expectation), e.g. a NEMO_WORKLOAD instance. */
@Entity('expectation_object')
export class ExpectationObject {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  intentId!: number;

  @Column('integer')
  intentExpectationId!: number;

  @Column('text')
  objectType!: string;

  @Column('text')
  objectInstance!: string;

  @Column('text', { nullable: true })
  contextSelectivity!: string | null;
}
