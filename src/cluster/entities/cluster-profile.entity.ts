import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * What the platform knows of one target cluster: `helm template` renders for its Kubernetes
 * version and API versions. Platform data, not owned by a tenant: every tenant's instances may run
 * on a cluster, so every reader reads the profiles and only admins and the service role write them.
 */
@Entity('cluster_profile')
export class ClusterProfile {
  /** The name the meta-Orchestrator reports as `cluster_name`. */
  @PrimaryColumn({ type: 'text' })
  name!: string;

  /** A serial number for list cursors (the tie-breaker of keyset pages); never on the wire. */
  @Column({ type: 'integer', insert: false, update: false })
  id!: number;

  /** Normalized `vMAJOR.MINOR.PATCH`, given to `helm template --kube-version`. */
  @Column({ type: 'text' })
  kubernetesVersion!: string;

  /** Given to `helm template --api-versions` (`.Capabilities.APIVersions.Has`). */
  @Column({ type: 'jsonb' })
  apiVersions!: string[];

  /** The namespace of instances created for this cluster without one. */
  @Column({ type: 'text', nullable: true })
  defaultNamespace!: string | null;

  /** Overrides INGRESS_CLASS_NAME for instances on this cluster. */
  @Column({ type: 'text', nullable: true })
  ingressClassName!: string | null;

  /** Overrides INGRESS_DOMAIN for instances on this cluster. */
  @Column({ type: 'text', nullable: true })
  ingressDomain!: string | null;

  @Column({ type: 'text' })
  updatedBy!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
