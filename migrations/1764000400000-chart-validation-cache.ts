import { MigrationInterface, QueryRunner } from 'typeorm';

export class ChartValidationCache1764000400000 implements MigrationInterface {
  name = 'ChartValidationCache1764000400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE chart_validation (
        package_digest text NOT NULL,
        helm_build text NOT NULL,
        release_name text NOT NULL,
        namespace text NOT NULL,
        lint_messages text NOT NULL,
        rendered text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (package_digest, helm_build, release_name, namespace)
      )`);
    await queryRunner.query(
      `CREATE INDEX chart_validation_last_used ON chart_validation (last_used_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE chart_validation`);
  }
}
