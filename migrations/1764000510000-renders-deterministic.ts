import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The worker's verdict on a chart's templates, so that the api never parses chart bytes itself.
 * Documents accepted before have none (null): their renders are not cached until re-onboarded.
 */
export class RendersDeterministic1764000510000 implements MigrationInterface {
  name = 'RendersDeterministic1764000510000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE workload_document ADD COLUMN renders_deterministic boolean NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE workload_document DROP COLUMN renders_deterministic`);
  }
}
