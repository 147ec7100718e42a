import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Supply chain: the image lock of each instance (source image → digest-pinned reference), the
 * provenance file uploaded beside a package, and who signed an accepted chart. Instances rendered
 * before have an empty lock until their next revision; documents accepted before have no signer.
 */
export class SupplyChain1764002050000 implements MigrationInterface {
  name = 'SupplyChain1764002050000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE workload_instance ADD COLUMN image_lock jsonb NOT NULL DEFAULT '[]'`,
    );
    await queryRunner.query(`ALTER TABLE workload_package ADD COLUMN provenance bytea NULL`);
    await queryRunner.query(
      `ALTER TABLE workload_document ADD COLUMN provenance_signer text NULL,
                                     ADD COLUMN provenance_key_fingerprint text NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE workload_document DROP COLUMN provenance_signer,
                                     DROP COLUMN provenance_key_fingerprint`,
    );
    await queryRunner.query(`ALTER TABLE workload_package DROP COLUMN provenance`);
    await queryRunner.query(`ALTER TABLE workload_instance DROP COLUMN image_lock`);
  }
}
