import { MigrationInterface, QueryRunner } from 'typeorm';

export class Workload1764000100000 implements MigrationInterface {
  name = 'Workload1764000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE workload_document (
        id serial PRIMARY KEY,
        tenant text NOT NULL,
        owner text NOT NULL,
        name text NOT NULL,
        version text NOT NULL,
        type text NOT NULL DEFAULT 'chart' CHECK (type IN ('chart')),
        ingress_support boolean NOT NULL DEFAULT false,
        description text,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'onboarding', 'accepted', 'rejected')),
        rejection_reason text,
        upload_seq integer NOT NULL DEFAULT 0,
        package_digest text,
        package_size integer,
        onboarding_step text,
        images_total integer NOT NULL DEFAULT 0,
        images_done integer NOT NULL DEFAULT 0,
        published_digest text,
        accepted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX workload_document_tenant_name_version ON workload_document (tenant, name, version)`,
    );
    await queryRunner.query(
      `CREATE INDEX workload_document_name_version ON workload_document (name, version)`,
    );
    await queryRunner.query(
      `CREATE INDEX workload_document_onboarding ON workload_document (id) WHERE status = 'onboarding'`,
    );
    await queryRunner.query(
      `CREATE INDEX workload_document_tenant_created ON workload_document (tenant, created_at)`,
    );
    await queryRunner.query(`
      CREATE TABLE workload_package (
        document_id integer PRIMARY KEY REFERENCES workload_document (id) ON DELETE CASCADE,
        upload_seq integer NOT NULL,
        digest text NOT NULL,
        size integer NOT NULL,
        content bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE workload_image_mirror (
        id serial PRIMARY KEY,
        document_id integer NOT NULL REFERENCES workload_document (id) ON DELETE CASCADE,
        source text NOT NULL,
        mirrored text NOT NULL,
        digest text NOT NULL,
        copied boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX workload_image_mirror_document_source ON workload_image_mirror (document_id, source)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE workload_image_mirror`);
    await queryRunner.query(`DROP TABLE workload_package`);
    await queryRunner.query(`DROP TABLE workload_document`);
  }
}
