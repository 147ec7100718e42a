import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A chart package that passed `helm lint` and `helm template` with its default values. Both depend
 * only on the package bytes, the helm build and the render's release name and namespace (the key),
 * so a later onboarding of the same bytes reuses this instead of running helm again. Only passing
 * outcomes are kept: a refused package is checked afresh and its reason stays current. Shared by
 * every worker replica; rows unused for CHART_VALIDATION_CACHE_TTL_DAYS are removed.
 */
@Entity({ name: 'chart_validation' })
export class ChartValidation {
  /** sha256 (hex) of the chart package. */
  @PrimaryColumn({ type: 'text' })
  packageDigest!: string;

  /** sha256 (hex) of the helm executable that validated it. */
  @PrimaryColumn({ type: 'text' })
  helmBuild!: string;

  @PrimaryColumn({ type: 'text' })
  releaseName!: string;

  @PrimaryColumn({ type: 'text' })
  namespace!: string;

  /** What the passing `helm lint` printed (warnings and infos). */
  @Column({ type: 'text' })
  lintMessages!: string;

  /** `helm template` output with the default values: images are collected from it on reuse. */
  @Column({ type: 'text' })
  rendered!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  lastUsedAt!: Date;
}
