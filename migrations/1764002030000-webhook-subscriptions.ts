import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook subscriptions of a tenant and their delivery outbox: one `webhook_delivery` row per
 * (subscription, event), written in the transaction of the change and deleted once delivered.
 */
export class WebhookSubscriptions1764002030000 implements MigrationInterface {
  name = 'WebhookSubscriptions1764002030000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webhook_subscription (
        id serial PRIMARY KEY,
        subscription_id uuid NOT NULL UNIQUE,
        tenant text NOT NULL,
        owner text NOT NULL,
        callback_url text NOT NULL,
        events text[] NOT NULL,
        filter_subject text,
        secret text NOT NULL,
        status text NOT NULL DEFAULT 'active'
          CONSTRAINT webhook_subscription_status CHECK (status IN ('active', 'paused')),
        consecutive_failures integer NOT NULL DEFAULT 0,
        last_error text,
        last_error_at timestamptz,
        last_delivered_at timestamptz,
        paused_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX webhook_subscription_tenant_id ON webhook_subscription (tenant, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX webhook_subscription_fanout ON webhook_subscription USING gin (events)`,
    );
    await queryRunner.query(`
      CREATE TABLE webhook_delivery (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL,
        subscription_id integer NOT NULL REFERENCES webhook_subscription (id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        subject text NOT NULL,
        object_key text NOT NULL,
        data text NOT NULL,
        event_time timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        lease_until timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    // The dispatcher's scan: per subscription and object, the oldest undelivered row first.
    await queryRunner.query(
      `CREATE INDEX webhook_delivery_order ON webhook_delivery (subscription_id, object_key, id)`,
    );
    // Deliveries in flight (leased): few, whatever the backlog.
    await queryRunner.query(
      `CREATE INDEX webhook_delivery_leased ON webhook_delivery (lease_until) WHERE lease_until IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_delivery`);
    await queryRunner.query(`DROP TABLE webhook_subscription`);
  }
}
