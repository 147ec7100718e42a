import { MigrationInterface, QueryRunner } from 'typeorm';

const OWNED_TABLES = ['workload_document', 'workload_instance', 'intent'];

/**
 * Rows that admins without a tenant created carried the tenant `admin`, which a non-admin token with
 * `tenant: "admin"` could read and delete. They move to the sentinel `#admin`, which no tenant claim
 * can hold (TENANT_PATTERN). Rows a real tenant called `admin` created cannot be told apart: they
 * move too and become admin-only, the safe direction.
 */
export class AdminTenantSentinel1764000505000 implements MigrationInterface {
  name = 'AdminTenantSentinel1764000505000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of OWNED_TABLES) {
      await queryRunner.query(`UPDATE ${table} SET tenant = '#admin' WHERE tenant = 'admin'`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of OWNED_TABLES) {
      await queryRunner.query(`UPDATE ${table} SET tenant = 'admin' WHERE tenant = '#admin'`);
    }
  }
}
