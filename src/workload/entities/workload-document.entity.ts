import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { WorkloadStatus } from '../../contract';
import type { PodSecurityProfile } from '../../contract';

export const WORKLOAD_TYPES = ['chart'] as const;
export type WorkloadType = (typeof WORKLOAD_TYPES)[number];

export const ONBOARDING_STEPS = [
  'queued',
  'validating',
  'linting',
  'mirroring',
  'publishing',
  'done',
] as const;
export type OnboardingStep = (typeof ONBOARDING_STEPS)[number];

/** A registered Helm chart and its onboarding state; unique by (tenant, name, version). */
@Entity({ name: 'workload_document' })
@Index('workload_document_tenant_name_version', ['tenant', 'name', 'version'], { unique: true })
export class WorkloadDocument {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  tenant!: string;

  @Column({ type: 'text' })
  owner!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  version!: string;

  @Column({ type: 'text', default: 'chart' })
  type!: WorkloadType;

  @Column({ type: 'boolean', default: false })
  ingressSupport!: boolean;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'text', default: 'pending' })
  status!: WorkloadStatus;

  @Column({ type: 'text', nullable: true })
  rejectionReason!: string | null;

  /** Bumped by every upload: the onboarding job of an older upload finds it changed and stops. */
  @Column({ type: 'int', default: 0 })
  uploadSeq!: number;

  /** sha256 (hex) of the uploaded package. */
  @Column({ type: 'text', nullable: true })
  packageDigest!: string | null;

  @Column({ type: 'int', nullable: true })
  packageSize!: number | null;

  @Column({ type: 'text', nullable: true })
  onboardingStep!: OnboardingStep | null;

  @Column({ type: 'int', default: 0 })
  imagesTotal!: number;

  @Column({ type: 'int', default: 0 })
  imagesDone!: number;

  /** Digest of the package in the Helm repository, once accepted. */
  @Column({ type: 'text', nullable: true })
  publishedDigest!: string | null;

  /**
   * Whether the accepted chart's templates call no random, clock or similar function (scanned by
   * the worker at onboarding): only then are its renders cached. Null: not scanned, never cached.
   */
  @Column({ type: 'boolean', nullable: true })
  rendersDeterministic!: boolean | null;

  @Column({ type: 'timestamptz', nullable: true })
  acceptedAt!: Date | null;

  /** Who signed the accepted chart's provenance (`helm verify`'s "Signed by"); null: unsigned. */
  @Column({ type: 'text', nullable: true })
  provenanceSigner!: string | null;

  /** The signing key's fingerprint (hex), as in the keyring (CHART_KEYRING). */
  @Column({ type: 'text', nullable: true })
  provenanceKeyFingerprint!: string | null;

  /**
   * Render policy set by an admin: kinds beyond the namespaced application kinds that instances of
   * this document may render (`Kind` or `group/Kind`), and its Pod Security profile (null: the
   * configured default).
   */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  allowedKinds!: string[];

  @Column({ type: 'text', nullable: true })
  podSecurityProfile!: PodSecurityProfile | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
