import { MigrationInterface, QueryRunner } from 'typeorm';

export class Outbox1764000000000 implements MigrationInterface {
  name = 'Outbox1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE outbox_message (
        id bigserial PRIMARY KEY,
        message_id uuid NOT NULL UNIQUE,
        routing_key text NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        partition smallint NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        sent_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX outbox_message_pending ON outbox_message (partition, id) WHERE sent_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX outbox_message_sent ON outbox_message (sent_at) WHERE sent_at IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE outbox_message`);
  }
}
