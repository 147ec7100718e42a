import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keyset pagination: every list seeks on (sort column, id) inside the tenant, so each `sort` of
 * GET /workloads gets a (tenant, column, id) index, and admins (no tenant filter) get
 * (created_at, id) for the default sort. A first page and a page far down by cursor are then both
 * index scans of `limit + 1` rows. Intents and instances sort by id: (tenant, id) and the primary
 * key already serve them. (tenant, created_at) is superseded by (tenant, created_at, id).
 */
export class ListIndexes1764001700000 implements MigrationInterface {
  name = 'ListIndexes1764001700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['created_at', 'updated_at', 'name', 'version', 'status']) {
      await queryRunner.query(
        `CREATE INDEX workload_document_tenant_${column}_id ON workload_document (tenant, ${column}, id)`,
      );
    }
    await queryRunner.query(
      `CREATE INDEX workload_document_tenant_id ON workload_document (tenant, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX workload_document_created_at_id ON workload_document (created_at, id)`,
    );
    await queryRunner.query(`DROP INDEX workload_document_tenant_created`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX workload_document_tenant_created ON workload_document (tenant, created_at)`,
    );
    await queryRunner.query(`DROP INDEX workload_document_created_at_id`);
    await queryRunner.query(`DROP INDEX workload_document_tenant_id`);
    for (const column of ['created_at', 'updated_at', 'name', 'version', 'status']) {
      await queryRunner.query(`DROP INDEX workload_document_tenant_${column}_id`);
    }
  }
}
