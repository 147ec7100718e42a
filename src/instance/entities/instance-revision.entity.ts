import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { InstanceStatus } from '../../contract';
import { InstanceManifestSet } from './instance-manifest-set.entity';

export const REVISION_ORIGINS = ['create', 'upgrade', 'rollback'] as const;
export type RevisionOrigin = (typeof REVISION_ORIGINS)[number];

/**
 * One rendered state of a workload instance: what it was rendered from (chart document, values,
 * cluster), which manifests came out (by digest, see InstanceManifestSet) and the last status the
 * meta-Orchestrator reported while it was the current revision.
 */
@Entity('instance_revision')
export class InstanceRevision {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The instance's database id (workload_instance.id, not its UUID). */
  @Column({ name: 'instance_id', type: 'integer' })
  instanceDbId!: number;

  @Column({ type: 'integer' })
  revision!: number;

  @Column({ type: 'text' })
  origin!: RevisionOrigin;

  /** For a rollback: the revision whose manifests it restored. */
  @Column({ type: 'integer', nullable: true })
  rollbackOf!: number | null;

  @Column({ type: 'integer' })
  workloadDocumentId!: number;

  @Column({ type: 'text' })
  chartName!: string;

  @Column({ type: 'text' })
  chartVersion!: string;

  @Column({ type: 'jsonb' })
  values!: Record<string, unknown>;

  /** sha256 of the canonical JSON of `values`. */
  @Column({ type: 'text' })
  valuesDigest!: string;

  @Column({ type: 'boolean' })
  ingressEnabled!: boolean;

  @Column({ type: 'jsonb' })
  exposedUrls!: string[];

  /** The cluster the revision was rendered for (null: none named). */
  @Column({ type: 'text', nullable: true })
  clusterName!: string | null;

  /** The cluster profile's Kubernetes version given to helm (null: no profile, helm's default). */
  @Column({ type: 'text', nullable: true })
  kubeVersion!: string | null;

  @Column({ type: 'text' })
  manifestsDigest!: string;

  /** Loaded only where the manifests are wanted (one join instead of a second query). */
  @ManyToOne(() => InstanceManifestSet, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'manifests_digest', referencedColumnName: 'digest' })
  manifestSet?: InstanceManifestSet;

  @Column({ type: 'text' })
  status!: InstanceStatus;

  /** The subject (token `sub`) that created the revision. */
  @Column({ type: 'text' })
  createdBy!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
