import { CompanionKind } from '../jobs/mirror-plan';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A container image of an onboarded chart: where it came from and where NEMO mirrored it. */
@Entity({ name: 'workload_image_mirror' })
@Index('workload_image_mirror_document_source', ['documentId', 'source'], { unique: true })
export class WorkloadImageMirror {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'int' })
  documentId!: number;

  /** The image exactly as the rendered chart names it. */
  @Column({ type: 'text' })
  source!: string;

  /** The reference in the NEMO registry (tag, or digest for digest-pinned sources). */
  @Column({ type: 'text' })
  mirrored!: string;

  @Column({ type: 'text' })
  digest!: string;

  /** false when the registry already held the same digest and nothing was copied. */
  @Column({ type: 'boolean', default: true })
  copied!: boolean;

  /** The cosign companion tags (`sig`, `att`, `sbom`) of `digest` copied along from the source. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  companions!: CompanionKind[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
