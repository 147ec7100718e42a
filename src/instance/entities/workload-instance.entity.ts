import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { InstanceStatus } from '../../contract';
import type { KubernetesManifest } from '../../common/kubernetes-manifest';
import type { ImageLockEntry } from '../rendering/image-rewrite';

/** A rendered workload document, handed to the meta-Orchestrator with a `run` event. */
@Entity('workload_instance')
export class WorkloadInstance {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The public id (UUID v4): what intents' expectation objects and the events name. */
  @Column({ type: 'uuid' })
  instanceId!: string;

  @Column({ type: 'integer' })
  workloadDocumentId!: number;

  @Column({ type: 'text' })
  releaseName!: string;

  @Column({ type: 'text', nullable: true })
  namespace!: string | null;

  /** The caller's values, as given (the render input, kept for audit and re-rendering). */
  @Column({ type: 'jsonb' })
  values!: Record<string, unknown>;

  @Column({ type: 'boolean' })
  ingressEnabled!: boolean;

  @Column({ type: 'text' })
  status!: InstanceStatus;

  @Column({ type: 'text', nullable: true })
  statusReason!: string | null;

  @Column({ type: 'text', nullable: true })
  clusterName!: string | null;

  /**
   * The current revision's manifests (history: instance_revision → instance_manifest_set). `json`,
   * not `jsonb`: the objects come back with their keys in the order helm wrote them.
   */
  @Column({ type: 'json' })
  manifests!: KubernetesManifest[];

  @Column({ type: 'jsonb' })
  exposedUrls!: string[];

  /** The current revision's images: each source and the (digest-pinned) reference it pulls. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  imageLock!: ImageLockEntry[];

  /** The current revision (1 on creation, +1 per upgrade or rollback): the instance's ETag. */
  @Column({ type: 'integer', default: 1 })
  revision!: number;

  @Column({ type: 'text' })
  owner!: string;

  @Column({ type: 'text' })
  tenant!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
