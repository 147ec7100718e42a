import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workload instances. A release name is unique per tenant among live instances (a partial unique
 * index: a deleted instance frees its name). Deleting a workload document is refused while it has
 * live instances (the workload module asks the instance module); its deleted ones go with it.
 */
export class WorkloadInstances1764000300000 implements MigrationInterface {
  name = 'WorkloadInstances1764000300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE workload_instance (
        id serial PRIMARY KEY,
        instance_id uuid NOT NULL UNIQUE,
        workload_document_id integer NOT NULL REFERENCES workload_document (id) ON DELETE CASCADE,
        release_name varchar(53) NOT NULL,
        namespace varchar(63),
        values jsonb NOT NULL DEFAULT '{}',
        ingress_enabled boolean NOT NULL DEFAULT false,
        status text NOT NULL CHECK (status IN
          ('rendered', 'deploying', 'deployed', 'failed', 'deleting', 'deleted')),
        status_reason text,
        cluster_name text,
        manifests json NOT NULL,
        exposed_urls jsonb NOT NULL DEFAULT '[]',
        owner text NOT NULL,
        tenant text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX workload_instance_live_release ON workload_instance (tenant, release_name)
       WHERE status <> 'deleted'`,
    );
    await queryRunner.query(
      `CREATE INDEX workload_instance_tenant_id ON workload_instance (tenant, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX workload_instance_document ON workload_instance (workload_document_id, status)`,
    );
    await queryRunner.query(
      `CREATE INDEX workload_instance_cluster ON workload_instance (cluster_name) WHERE cluster_name IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE workload_instance`);
  }
}
