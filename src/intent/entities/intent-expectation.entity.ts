import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ExpectationVerb } from '../../contract';

@Entity('intent_expectation')
export class IntentExpectation {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('integer')
  intentId!: number;

  /** Order within the intent, as given by the client. */
  @Column('smallint')
  position!: number;

  /** The client's own label of the expectation (`"1"` in the seed), unique within the intent. */
  @Column('text')
  expectationId!: string;

  @Column('text')
  expectationVerb!: ExpectationVerb;
}
