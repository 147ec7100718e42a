import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Wakes the outbox relays as soon as events commit: every statement that inserts outbox rows
 * queues one NOTIFY on `nemo_outbox` naming the partitions it wrote (e.g. `3,5`), which
 * PostgreSQL delivers to listeners only when (and if) the transaction commits; only the relay
 * loops owning those partitions wake. The relays then poll only as a fallback. A statement-level
 * trigger costs no extra round trip for the writer, and identical notifications of one
 * transaction are folded into one by PostgreSQL.
 */
export class OutboxNotify1764002010000 implements MigrationInterface {
  name = 'OutboxNotify1764002010000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE FUNCTION outbox_message_notify() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         PERFORM pg_notify('nemo_outbox', string_agg(DISTINCT partition::text, ','))
           FROM inserted;
         RETURN NULL;
       END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER outbox_message_notify AFTER INSERT ON outbox_message
       REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION outbox_message_notify()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER outbox_message_notify ON outbox_message`);
    await queryRunner.query(`DROP FUNCTION outbox_message_notify()`);
  }
}
