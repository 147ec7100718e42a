import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Repository } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { HELM, Helm, HelmError, HelmOutputTooLarge } from '../../infra/helm/helm.port';
import { ChartValidation } from '../entities/chart-validation.entity';
import { helmBuild } from './helm-build';
import { collectImages, RenderedYamlError } from './image-collector';
import { Rejection } from './rejection';

export interface ChartToValidate {
  bytes: Buffer;
  /** sha256 (hex) of `bytes`. */
  digest: string;
  /** Chart.yaml's name, already checked against the document: the release name of the render. */
  name: string;
  version: string;
  /** What readChartArchive found: such charts are run through helm every time. */
  nonDeterministic: string[];
}

export interface ValidatedChart {
  /** Every container image of the default-values render, each once. */
  images: string[];
  /** Settles once `helm lint` passed (rejects with a Rejection otherwise); settled when reused. */
  linted: Promise<void>;
}

type ValidationKey = Pick<
  ChartValidation,
  'packageDigest' | 'helmBuild' | 'releaseName' | 'namespace'
>;

/** Any valid namespace does for the check render; it is part of the stored verdict's key. */
const CHECK_NAMESPACE = 'default';
/** Renders beyond this are validated every time rather than stored: rows stay small. */
const MAX_STORED_RENDER_CHARS = 4 * 1024 * 1024;

/**
 * `helm lint` and `helm template` (default values) of an uploaded chart package. Both depend only
 * on the package bytes, the helm build, the release name and the namespace, so a passing verdict is
 * stored in PostgreSQL (shared by all worker replicas) and a later onboarding of identical bytes
 * reuses it without a helm process. Charts whose templates call random, clock or similar functions
 * (see chart-determinism) are always run through helm; refusals are never stored.
 */
@Injectable()
export class ChartValidator {
  private readonly logger = new Logger(ChartValidator.name);
  /** Hashed once per process, in the background from start-up. */
  private readonly build: Promise<string | undefined>;

  constructor(
    @InjectRepository(ChartValidation) private readonly validations: Repository<ChartValidation>,
    @Inject(HELM) private readonly helm: Helm,
    private readonly config: AppConfig,
  ) {
    this.build = config.CHART_VALIDATION_CACHE_ENABLED
      ? helmBuild(config.HELM_BIN).catch((error: unknown) => {
          this.logger.warn(
            `No helm build fingerprint, validations are not reused: ${describe(error)}`,
          );
          return undefined;
        })
      : Promise.resolve(undefined);
  }

  async validate(chart: ChartToValidate): Promise<ValidatedChart> {
    const key = await this.keyOf(chart);
    const stored = key ? await this.reuse(key) : null;
    if (stored !== null) return { images: imagesOf(stored), linted: Promise.resolve() };
    return this.runHelm(chart, key);
  }

  /** Undefined when the verdict must not be stored or reused. */
  private async keyOf(chart: ChartToValidate): Promise<ValidationKey | undefined> {
    const build = await this.build;
    if (!build || chart.nonDeterministic.length > 0) return undefined;
    return {
      packageDigest: chart.digest,
      helmBuild: build,
      releaseName: chart.name,
      namespace: CHECK_NAMESPACE,
    };
  }

  /** The stored render, marking the row as used; null when there is none (or it cannot be read). */
  private async reuse(key: ValidationKey): Promise<string | null> {
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

  /**
   * Lint and render run side by side (two processes), lint, the longer one, started first. The
   * images are answered as soon as the render is done, while lint may still run; the verdict is
   * stored once lint passed too.
   */
  private async runHelm(chart: ChartToValidate, key?: ValidationKey): Promise<ValidatedChart> {
    const file = await this.packageFile(chart);
    const linted = this.lint(file.path);
    linted.catch(() => undefined);
    const rendered = this.rendered(
      this.helm.template(file.path, {
        releaseName: chart.name,
        namespace: CHECK_NAMESPACE,
        // What an instance may render: a chart beyond it is refused now, not at every instance.
        maxOutputBytes: this.config.INSTANCE_MANIFEST_MAX_BYTES,
      }),
      linted,
    );
    void Promise.allSettled([linted, rendered])
      .then(file.remove)
      .catch(() => undefined);
    const text = await rendered;
    const images = imagesOf(text);
    const stored = linted.then((messages) => (key ? this.store(key, messages, text) : undefined));
    // Handled here too: a caller stopped by an earlier rejection may never wait for it.
    stored.catch(() => undefined);
    return { images, linted: stored };
  }

  /**
   * Resolves with helm's findings when lint passed. A helm stopped by its time, output or memory
   * limit is refused at once: the same bytes would only hit the limit again on a retry.
   */
  private async lint(path: string): Promise<string> {
    const lint = await this.helm.lint(path).catch((error: unknown) => {
      if (error instanceof HelmError) throw new Rejection(`helm lint failed: ${error.message}`);
      throw error;
    });
    if (!lint.ok) throw new Rejection(`helm lint failed:\n${lintFindings(lint.messages)}`);
    return lint.messages;
  }

  /** The render with default values; when it failed, a failing lint is the reason given first. */
  private async rendered(template: Promise<string>, linted: Promise<unknown>): Promise<string> {
    try {
      return await template;
    } catch (error) {
      if (!(error instanceof HelmError)) throw error;
      await linted;
      if (error instanceof HelmOutputTooLarge) {
        throw new Rejection(
          `helm template with the default values renders more than ${error.limitBytes} bytes ` +
            '(INSTANCE_MANIFEST_MAX_BYTES)',
        );
      }
      throw new Rejection(
        `helm template failed with the default values:\n${helmErrors(error.message)}`,
      );
    }
  }

  /** A failed write only costs the next onboarding of these bytes a helm run. */
  private async store(key: ValidationKey, lintMessages: string, rendered: string): Promise<void> {
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

  /** helm reads the package from a file: a private temporary one, removed by `remove`. */
  private async packageFile(
    chart: ChartToValidate,
  ): Promise<{ path: string; remove: () => Promise<void> }> {
    const parent = join(this.config.WORK_DIR, 'onboarding');
    await mkdir(parent, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(parent, `${chart.name}-`));
    const path = join(dir, `${chart.name}-${chart.version}.tgz`);
    await writeFile(path, chart.bytes, { mode: 0o600 });
    return { path, remove: () => rm(dir, { recursive: true, force: true }) };
  }
}

function imagesOf(rendered: string): string[] {
  try {
    return collectImages(rendered);
  } catch (error) {
    if (error instanceof RenderedYamlError) throw new Rejection(error.message);
    throw error;
  }
}

/** What a person acts on: helm's errors and warnings, without its INFO chatter. */
function lintFindings(messages: string): string {
  const lines = messages.split('\n').filter((line) => !line.startsWith('[INFO]'));
  return lines.join('\n') || messages;
}

function helmErrors(stderr: string): string {
  const lines = stderr
    .split('\n')
    .filter((line) => !/^Use --debug flag/.test(line) && !/^level=(WARN|INFO|DEBUG)/.test(line))
    .filter((line) => line.trim() !== '');
  return lines.join('\n') || stderr;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
