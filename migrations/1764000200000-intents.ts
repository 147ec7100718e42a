import { MigrationInterface, QueryRunner } from 'typeorm';

const CONDITIONS = `('IS_EQUAL_TO', 'IS_LESS_THAN', 'IS_GREATER_THAN', 'IS_WITHIN_RANGE', 'IS_OUTSIDE_RANGE',
  'IS_ONE_OF', 'IS_NOT_ONE_OF', 'IS_EQUAL_TO_OR_LESS_THAN', 'IS_EQUAL_TO_OR_GREATER_THAN')`;

const FULFILMENT_INFO = `
  fulfilment_status text NOT NULL CHECK (fulfilment_status IN ('FULFILLED', 'NOT_FULFILLED')),
  not_fulfilled_state text CHECK (not_fulfilled_state IN
    ('ACKNOWLEDGED', 'COMPLIANT', 'DEGRADED', 'SUSPENDED', 'TERMINATED', 'FULFILMENTFAILED')),
  not_fulfilled_reasons jsonb NOT NULL DEFAULT '[]'`;

/**
 * TS 28.312 intents. Every nested row has its own id (the wire ids) and an `intent_id`, so one
 * DELETE of the intent removes everything and the whole tree loads with one query per table.
 */
export class Intents1764000200000 implements MigrationInterface {
  name = 'Intents1764000200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE intent (
        id serial PRIMARY KEY,
        owner text NOT NULL,
        tenant text NOT NULL,
        user_label text NOT NULL,
        intent_preemption_capability boolean NOT NULL DEFAULT false,
        observation_period integer NOT NULL CHECK (observation_period >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX intent_tenant_id ON intent (tenant, id)`);
    await queryRunner.query(`CREATE INDEX intent_tenant_user_label ON intent (tenant, user_label)`);

    await queryRunner.query(`
      CREATE TABLE intent_expectation (
        id serial PRIMARY KEY,
        intent_id integer NOT NULL REFERENCES intent (id) ON DELETE CASCADE,
        position smallint NOT NULL,
        expectation_id text NOT NULL,
        expectation_verb text NOT NULL CHECK (expectation_verb IN ('DELIVER', 'ENSURE')),
        CONSTRAINT intent_expectation_position UNIQUE (intent_id, position),
        CONSTRAINT intent_expectation_label UNIQUE (intent_id, expectation_id)
      )`);

    await queryRunner.query(`
      CREATE TABLE expectation_object (
        id serial PRIMARY KEY,
        intent_id integer NOT NULL REFERENCES intent (id) ON DELETE CASCADE,
        intent_expectation_id integer NOT NULL UNIQUE REFERENCES intent_expectation (id) ON DELETE CASCADE,
        object_type text NOT NULL,
        object_instance text NOT NULL,
        context_selectivity text
      )`);
    await queryRunner.query(
      `CREATE INDEX expectation_object_intent ON expectation_object (intent_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX expectation_object_instance ON expectation_object (object_instance, object_type)`,
    );

    await queryRunner.query(`
      CREATE TABLE expectation_target (
        id serial PRIMARY KEY,
        intent_id integer NOT NULL REFERENCES intent (id) ON DELETE CASCADE,
        intent_expectation_id integer NOT NULL REFERENCES intent_expectation (id) ON DELETE CASCADE,
        position smallint NOT NULL,
        target_name text NOT NULL,
        target_condition text NOT NULL CHECK (target_condition IN ${CONDITIONS}),
        target_value_range jsonb NOT NULL,
        CONSTRAINT expectation_target_position UNIQUE (intent_expectation_id, position)
      )`);
    await queryRunner.query(
      `CREATE INDEX expectation_target_intent ON expectation_target (intent_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE intent_context (
        id serial PRIMARY KEY,
        intent_id integer NOT NULL REFERENCES intent (id) ON DELETE CASCADE,
        intent_expectation_id integer REFERENCES intent_expectation (id) ON DELETE CASCADE,
        expectation_object_id integer REFERENCES expectation_object (id) ON DELETE CASCADE,
        expectation_target_id integer REFERENCES expectation_target (id) ON DELETE CASCADE,
        position smallint NOT NULL,
        context_attribute text NOT NULL,
        context_condition text NOT NULL CHECK (context_condition IN ${CONDITIONS}),
        context_value_range jsonb NOT NULL,
        CONSTRAINT intent_context_one_owner
          CHECK (num_nonnulls(intent_expectation_id, expectation_object_id, expectation_target_id) <= 1)
      )`);
    await queryRunner.query(`CREATE INDEX intent_context_intent ON intent_context (intent_id)`);
    for (const owner of [
      'intent_expectation_id',
      'expectation_object_id',
      'expectation_target_id',
    ]) {
      await queryRunner.query(
        `CREATE INDEX intent_context_${owner} ON intent_context (${owner}) WHERE ${owner} IS NOT NULL`,
      );
    }

    await queryRunner.query(`
      CREATE TABLE intent_report (
        id serial PRIMARY KEY,
        intent_id integer NOT NULL UNIQUE REFERENCES intent (id) ON DELETE CASCADE,
        last_updated_time timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);

    await queryRunner.query(`
      CREATE TABLE intent_fulfilment_report (
        id serial PRIMARY KEY,
        intent_id integer NOT NULL UNIQUE REFERENCES intent (id) ON DELETE CASCADE,
        intent_report_id integer NOT NULL UNIQUE REFERENCES intent_report (id) ON DELETE CASCADE,
        ${FULFILMENT_INFO}
      )`);
    await queryRunner.query(
      `CREATE INDEX intent_fulfilment_report_status ON intent_fulfilment_report (fulfilment_status, intent_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE intent_feasibility_check_report (
        id serial PRIMARY KEY,
        intent_id integer NOT NULL UNIQUE REFERENCES intent (id) ON DELETE CASCADE,
        intent_report_id integer NOT NULL UNIQUE REFERENCES intent_report (id) ON DELETE CASCADE,
        feasibility_check_type text NOT NULL CHECK (feasibility_check_type IN ('FEASIBLE', 'INFEASIBLE')),
        infeasibility_reason text,
        CONSTRAINT intent_feasibility_reason
          CHECK ((feasibility_check_type = 'FEASIBLE') = (infeasibility_reason IS NULL))
      )`);

    await queryRunner.query(`
      CREATE TABLE expectation_fulfilment_result (
        id serial PRIMARY KEY,
        intent_id integer NOT NULL REFERENCES intent (id) ON DELETE CASCADE,
        intent_fulfilment_report_id integer NOT NULL
          REFERENCES intent_fulfilment_report (id) ON DELETE CASCADE,
        intent_expectation_id integer NOT NULL UNIQUE REFERENCES intent_expectation (id) ON DELETE CASCADE,
        ${FULFILMENT_INFO}
      )`);
    await queryRunner.query(
      `CREATE INDEX expectation_fulfilment_result_intent ON expectation_fulfilment_result (intent_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX expectation_fulfilment_result_report ON expectation_fulfilment_result (intent_fulfilment_report_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE target_fulfilment_result (
        id serial PRIMARY KEY,
        intent_id integer NOT NULL REFERENCES intent (id) ON DELETE CASCADE,
        expectation_fulfilment_result_id integer NOT NULL
          REFERENCES expectation_fulfilment_result (id) ON DELETE CASCADE,
        expectation_target_id integer NOT NULL UNIQUE REFERENCES expectation_target (id) ON DELETE CASCADE,
        target_achieved_value jsonb,
        ${FULFILMENT_INFO}
      )`);
    await queryRunner.query(
      `CREATE INDEX target_fulfilment_result_intent ON target_fulfilment_result (intent_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX target_fulfilment_result_expectation ON target_fulfilment_result (expectation_fulfilment_result_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'target_fulfilment_result',
      'expectation_fulfilment_result',
      'intent_feasibility_check_report',
      'intent_fulfilment_report',
      'intent_report',
      'intent_context',
      'expectation_target',
      'expectation_object',
      'intent_expectation',
      'intent',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
  }
}
