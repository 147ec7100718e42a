import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Target-cluster profiles: platform data (one inventory for every tenant) telling `helm template`
 * which Kubernetes version and API versions the cluster of an instance has.
 */
export class ClusterProfiles1764001610000 implements MigrationInterface {
  name = 'ClusterProfiles1764001610000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE cluster_profile (
        name text PRIMARY KEY,
        id serial NOT NULL UNIQUE,
        kubernetes_version text NOT NULL,
        api_versions jsonb NOT NULL DEFAULT '[]'
          CONSTRAINT cluster_profile_api_versions_array CHECK (jsonb_typeof(api_versions) = 'array'),
        default_namespace text,
        ingress_class_name text,
        ingress_domain text,
        updated_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE cluster_profile`);
  }
}
