import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Intents that live: an admin state (TS 28.312 intentAdminState) with the reason of the last
 * change; per target the time of its latest observation and of its latest one that missed the
 * condition (so the observation window is judged from two columns, whatever the history holds);
 * the history of fulfilment reports; and conflict reports between two intents, removed with either.
 */
export class IntentLifecycle1764002020000 implements MigrationInterface {
  name = 'IntentLifecycle1764002020000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE intent
        ADD COLUMN admin_state text NOT NULL DEFAULT 'ACTIVATED'
          CHECK (admin_state IN ('ACTIVATED', 'DEACTIVATED')),
        ADD COLUMN admin_state_reason text`);
    await queryRunner.query(`
      ALTER TABLE target_fulfilment_result
        ADD COLUMN observed_at timestamptz,
        ADD COLUMN missed_at timestamptz,
        ADD COLUMN missed_value jsonb`);
    // Values reported before this migration were observed when their report was last updated.
    await queryRunner.query(`
      UPDATE target_fulfilment_result r
         SET observed_at = ir.last_updated_time,
             missed_at = CASE WHEN r.not_fulfilled_state = 'DEGRADED' THEN ir.last_updated_time END,
             missed_value = CASE WHEN r.not_fulfilled_state = 'DEGRADED' THEN r.target_achieved_value END
        FROM intent_report ir
       WHERE ir.intent_id = r.intent_id AND r.target_achieved_value IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE intent_report_entry (
        id bigserial PRIMARY KEY,
        intent_id integer NOT NULL REFERENCES intent (id) ON DELETE CASCADE,
        recorded_at timestamptz NOT NULL,
        admin_state text NOT NULL,
        observations jsonb NOT NULL,
        fulfilment_report jsonb NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX intent_report_entry_intent_id ON intent_report_entry (intent_id, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX intent_report_entry_recorded_at ON intent_report_entry (recorded_at)`,
    );
    await queryRunner.query(`
      CREATE TABLE intent_conflict_report (
        id serial PRIMARY KEY,
        intent_id integer NOT NULL REFERENCES intent (id) ON DELETE CASCADE,
        conflicting_intent_id integer NOT NULL REFERENCES intent (id) ON DELETE CASCADE,
        conflict_type text NOT NULL
          CHECK (conflict_type IN ('INTENT_CONFLICT', 'EXPECTATION_CONFLICT', 'TARGET_CONFLICT')),
        conflict_description text NOT NULL,
        recommended_solution text NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX intent_conflict_report_intent ON intent_conflict_report (intent_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX intent_conflict_report_conflicting ON intent_conflict_report (conflicting_intent_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE intent_conflict_report`);
    await queryRunner.query(`DROP TABLE intent_report_entry`);
    await queryRunner.query(`
      ALTER TABLE target_fulfilment_result
        DROP COLUMN observed_at, DROP COLUMN missed_at, DROP COLUMN missed_value`);
    await queryRunner.query(
      `ALTER TABLE intent DROP COLUMN admin_state, DROP COLUMN admin_state_reason`,
    );
  }
}
