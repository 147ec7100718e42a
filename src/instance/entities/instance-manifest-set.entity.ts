import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { KubernetesManifest } from '../../common/kubernetes-manifest';

/**
 * Rendered manifests stored once per distinct content: the key is the sha256 of their canonical
 * JSON (RevisionStore), so revisions with the same output share a row; a set goes with the last
 * revision referencing it (trigger of migration 1764001800000).
 */
@Entity('instance_manifest_set')
export class InstanceManifestSet {
  @PrimaryColumn({ type: 'text' })
  digest!: string;

  /** `json`, not `jsonb`: the objects come back with their keys in the order helm wrote them. */
  @Column({ type: 'json' })
  manifests!: KubernetesManifest[];

  @Column({ type: 'integer' })
  sizeBytes!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
