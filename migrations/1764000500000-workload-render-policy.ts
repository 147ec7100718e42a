import { MigrationInterface, QueryRunner } from 'typeorm';

export class WorkloadRenderPolicy1764000500000 implements MigrationInterface {
  name = 'WorkloadRenderPolicy1764000500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE workload_document
        ADD COLUMN allowed_kinds jsonb NOT NULL DEFAULT '[]'
          CONSTRAINT workload_document_allowed_kinds_array CHECK (jsonb_typeof(allowed_kinds) = 'array'),
        ADD COLUMN pod_security_profile text
          CONSTRAINT workload_document_pod_security_profile
          CHECK (pod_security_profile IN ('privileged', 'baseline', 'restricted'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE workload_document DROP COLUMN pod_security_profile, DROP COLUMN allowed_kinds`);
  }
}
