import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { OnboardingConfig } from '../../config/slices/onboarding.config';
import { ChartValidation } from '../entities/chart-validation.entity';

/** What a stored verdict is valid for: the package bytes, the helm build and the check render. */
export type VerdictKey = Pick<
  ChartValidation,
  'packageDigest' | 'helmBuild' | 'releaseName' | 'namespace'
>;

/** What the validator needs of stored verdicts (tests give it a fake). */
export type StoredVerdicts = Pick<ChartVerdicts, 'reuse' | 'store'>;

/** Renders beyond this are validated every time rather than stored: rows stay small. */
const MAX_STORED_RENDER_CHARS = 4 * 1024 * 1024;

/**
 * Passing `helm lint` + `helm template` verdicts in PostgreSQL, shared by all worker replicas. A
 * verdict that cannot be read or written only costs a helm run: neither call ever rejects.
 */
@Injectable()
export class ChartVerdicts {
  private readonly logger = new Logger(ChartVerdicts.name);

  constructor(
    @InjectRepository(ChartValidation) private readonly validations: Repository<ChartValidation>,
    private readonly config: OnboardingConfig,
  ) {}

  /** The stored render, marking the row as used; null when there is none (or it cannot be read). */
  async reuse(key: VerdictKey): Promise<string | null> {
    try {
      const result = await this.validations
        .createQueryBuilder()
        .update()
        .set({ lastUsedAt: () => 'now()' })
        .where(key)
        .returning(['rendered'])
        .execute();
      const rows = result.raw as Array<{ rendered: string }>;
      return rows[0]?.rendered ?? null;
    } catch (error) {
      this.logger.warn(`Stored chart validation not read, running helm: ${describe(error)}`);
      return null;
    }
  }

  /** Stores a passing verdict and drops those unused for CHART_VALIDATION_CACHE_TTL_DAYS. */
  async store(key: VerdictKey, lintMessages: string, rendered: string): Promise<void> {
    if (rendered.length > MAX_STORED_RENDER_CHARS) return;
    try {
      await this.validations
        .createQueryBuilder()
        .insert()
        .values({ ...key, lintMessages, rendered })
        .orUpdate(
          ['lint_messages', 'rendered', 'last_used_at'],
          ['package_digest', 'helm_build', 'release_name', 'namespace'],
        )
        .execute();
      await this.validations
        .createQueryBuilder()
        .delete()
        .where('last_used_at < now() - make_interval(days => :days)', {
          days: this.config.CHART_VALIDATION_CACHE_TTL_DAYS,
        })
        .execute();
    } catch (error) {
      this.logger.warn(`Chart validation not stored: ${describe(error)}`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
