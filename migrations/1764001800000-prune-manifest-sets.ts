import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Manifest sets are shared by content, so no foreign key can delete one with its last revision.
 * Revisions go only with their instance's workload document (ON DELETE CASCADE); this statement
 * trigger then deletes the sets those revisions referenced that no revision references any more.
 *
 * A set that a render in flight is re-using is locked by that render's upsert
 * (RevisionStore.storeManifests): `SKIP LOCKED` leaves it, so the revision about to reference it
 * never meets a deleted set. A render that upserts after the deletion committed inserts it afresh.
 */
export class PruneManifestSets1764001800000 implements MigrationInterface {
  name = 'PruneManifestSets1764001800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX instance_revision_manifests ON instance_revision (manifests_digest)`,
    );
    await queryRunner.query(`
      CREATE FUNCTION prune_instance_manifest_sets() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM instance_manifest_set
        WHERE digest IN (
          SELECT kept.digest FROM instance_manifest_set kept
          WHERE kept.digest IN (SELECT DISTINCT manifests_digest FROM gone)
            AND NOT EXISTS (
              SELECT 1 FROM instance_revision revision
              WHERE revision.manifests_digest = kept.digest
            )
          FOR UPDATE SKIP LOCKED
        );
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER instance_revision_prune_manifest_sets
      AFTER DELETE ON instance_revision
      REFERENCING OLD TABLE AS gone
      FOR EACH STATEMENT EXECUTE FUNCTION prune_instance_manifest_sets()`);
    // Sets orphaned before this migration.
    await queryRunner.query(`
      DELETE FROM instance_manifest_set kept
      WHERE NOT EXISTS (
        SELECT 1 FROM instance_revision revision WHERE revision.manifests_digest = kept.digest
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP TRIGGER instance_revision_prune_manifest_sets ON instance_revision`,
    );
    await queryRunner.query(`DROP FUNCTION prune_instance_manifest_sets()`);
    await queryRunner.query(`DROP INDEX instance_revision_manifests`);
  }
}
