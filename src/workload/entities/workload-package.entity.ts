import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * The uploaded chart package, kept until onboarding ends: written in the same transaction as the
 * status change and its event, read by the worker, deleted once the repository holds the chart
 * (or the upload was rejected).
 */
@Entity({ name: 'workload_package' })
export class WorkloadPackage {
  @PrimaryColumn({ type: 'int' })
  documentId!: number;

  @Column({ type: 'int' })
  uploadSeq!: number;

  @Column({ type: 'text' })
  digest!: string;

  @Column({ type: 'int' })
  size!: number;

  @Column({ type: 'bytea' })
  content!: Buffer;

  /** The `.prov` uploaded beside the package (`helm package --sign`), checked at onboarding. */
  @Column({ type: 'bytea', nullable: true })
  provenance!: Buffer | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
