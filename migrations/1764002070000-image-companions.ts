import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The cosign companion tags (signature, attestation, SBOM) copied along with each mirrored image.
 * Images mirrored before list none until their document is onboarded again.
 */
export class ImageCompanions1764002070000 implements MigrationInterface {
  name = 'ImageCompanions1764002070000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE workload_image_mirror ADD COLUMN companions text[] NOT NULL DEFAULT '{}'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE workload_image_mirror DROP COLUMN companions`);
  }
}
