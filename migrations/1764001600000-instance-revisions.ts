import { createHash } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';

/** The same canonical form as src/instance/revisions/manifest-digest.ts (kept here: migrations stand alone). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const BACKFILL_BATCH = 200;

/**
 * Revisions of workload instances. Rendered manifests are stored once per distinct content
 * (`instance_manifest_set`, keyed by the sha256 of their canonical JSON) and referenced by every
 * revision that has them; a revision records the render inputs (values, chart document, cluster)
 * and the status it reached. Existing instances become revision 1 of themselves.
 */
export class InstanceRevisions1764001600000 implements MigrationInterface {
  name = 'InstanceRevisions1764001600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE instance_manifest_set (
        digest text PRIMARY KEY CHECK (digest ~ '^[0-9a-f]{64}$'),
        manifests json NOT NULL,
        size_bytes integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE instance_revision (
        id serial PRIMARY KEY,
        instance_id integer NOT NULL REFERENCES workload_instance (id) ON DELETE CASCADE,
        revision integer NOT NULL CHECK (revision >= 1),
        origin text NOT NULL CHECK (origin IN ('create', 'upgrade', 'rollback')),
        rollback_of integer,
        workload_document_id integer NOT NULL REFERENCES workload_document (id) ON DELETE CASCADE,
        chart_name text NOT NULL,
        chart_version text NOT NULL,
        values jsonb NOT NULL,
        values_digest text NOT NULL,
        ingress_enabled boolean NOT NULL,
        exposed_urls jsonb NOT NULL DEFAULT '[]',
        cluster_name text,
        kube_version text,
        manifests_digest text NOT NULL REFERENCES instance_manifest_set (digest),
        status text NOT NULL CHECK (status IN
          ('rendered', 'deploying', 'deployed', 'failed', 'deleting', 'deleted')),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT instance_revision_number UNIQUE (instance_id, revision)
      )`);
    await queryRunner.query(
      `CREATE INDEX instance_revision_document ON instance_revision (workload_document_id)`,
    );
    await queryRunner.query(
      `ALTER TABLE workload_instance ADD COLUMN revision integer NOT NULL DEFAULT 1`,
    );
    await this.backfill(queryRunner);
  }

  /** One revision per existing instance, in batches (manifests are hashed here, not in SQL). */
  private async backfill(queryRunner: QueryRunner): Promise<void> {
    for (let after = 0; ;) {
      const rows = (await queryRunner.query(
        `SELECT i.id, i.workload_document_id, d.name, d.version, i.values, i.ingress_enabled,
                i.exposed_urls, i.cluster_name, i.manifests, i.status, i.owner, i.created_at
           FROM workload_instance i JOIN workload_document d ON d.id = i.workload_document_id
          WHERE i.id > $1 ORDER BY i.id LIMIT $2`,
        [after, BACKFILL_BATCH],
      )) as Array<Record<string, unknown> & { id: number }>;
      if (rows.length === 0) return;
      for (const row of rows) {
        const manifestsText = canonicalJson(row.manifests);
        const digest = sha256(manifestsText);
        await queryRunner.query(
          `INSERT INTO instance_manifest_set (digest, manifests, size_bytes) VALUES ($1, $2, $3)
           ON CONFLICT (digest) DO NOTHING`,
          [digest, JSON.stringify(row.manifests), Buffer.byteLength(manifestsText)],
        );
        await queryRunner.query(
          `INSERT INTO instance_revision (instance_id, revision, origin, workload_document_id,
             chart_name, chart_version, values, values_digest, ingress_enabled, exposed_urls,
             cluster_name, manifests_digest, status, created_by, created_at)
           VALUES ($1, 1, 'create', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [
            row.id,
            row.workload_document_id,
            row.name,
            row.version,
            JSON.stringify(row.values),
            sha256(canonicalJson(row.values)),
            row.ingress_enabled,
            JSON.stringify(row.exposed_urls),
            row.cluster_name,
            digest,
            row.status,
            row.owner,
            row.created_at,
          ],
        );
      }
      after = rows[rows.length - 1].id;
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE workload_instance DROP COLUMN revision`);
    await queryRunner.query(`DROP TABLE instance_revision`);
    await queryRunner.query(`DROP TABLE instance_manifest_set`);
  }
}
