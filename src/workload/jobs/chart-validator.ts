import { Inject, Injectable, Logger } from '@nestjs/common';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Gate } from '../../common/concurrency/gate';
import { OnboardingConfig } from '../../config/slices/onboarding.config';
import { RenderConfig } from '../../config/slices/render.config';
import { WorkDirConfig } from '../../config/slices/work-dir.config';
import {
  HELM,
  Helm,
  HelmError,
  HelmLintResult,
  HelmOutputTooLarge,
} from '../../infra/helm/helm.port';
import { ChartVerdicts, StoredVerdicts, VerdictKey } from './chart-verdicts';
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
  /**
   * Passes once `helm lint` passed (its verdict stored, its package file removed); fails with a
   * Rejection otherwise. Open at once when a stored verdict was reused.
   */
  lint: Gate;
}

interface PackageFile {
  path: string;
  remove(): Promise<void>;
}

interface Render {
  text: string;
  images: string[];
}

/** Any valid namespace does for the check render; it is part of the stored verdict's key. */
const CHECK_NAMESPACE = 'default';

/**
 * `helm lint` and `helm template` (default values) of an uploaded chart package. Both depend only
 * on the package bytes, the helm build, the release name and the namespace, so a passing verdict is
 * stored ({@link ChartVerdicts}) and a later onboarding of identical bytes reuses it without a helm
 * process. Charts whose templates call random, clock or similar functions (see chart-determinism)
 * are always run through helm; refusals are never stored.
 */
@Injectable()
export class ChartValidator {
  private readonly logger = new Logger(ChartValidator.name);
  /** Hashed once per process, in the background from start-up. */
  private readonly build: Promise<string | undefined>;

  constructor(
    @Inject(ChartVerdicts) private readonly verdicts: StoredVerdicts,
    @Inject(HELM) private readonly helm: Helm,
    config: OnboardingConfig,
    private readonly renderConfig: RenderConfig,
    private readonly workDir: WorkDirConfig,
  ) {
    this.build = config.CHART_VALIDATION_CACHE_ENABLED
      ? this.helm.build().catch((error: unknown) => {
          this.logger.warn(
            `No helm build fingerprint, validations are not reused: ${describe(error)}`,
          );
          return undefined;
        })
      : Promise.resolve(undefined);
  }

  /**
   * Resolves as soon as the images are known, while `helm lint` may still run: its verdict is the
   * answer's `lint` gate. When the render fails, a failing lint is the reason given.
   */
  async validate(chart: ChartToValidate): Promise<ValidatedChart> {
    const key = await this.keyOf(chart);
    const stored = key ? await this.verdicts.reuse(key) : null;
    if (stored !== null) return { images: imagesOf(stored), lint: Gate.open() };
    return this.runHelm(chart, key);
  }

  /** Undefined when the verdict must not be stored or reused. */
  private async keyOf(chart: ChartToValidate): Promise<VerdictKey | undefined> {
    const build = await this.build;
    if (!build || chart.nonDeterministic.length > 0) return undefined;
    return {
      packageDigest: chart.digest,
      helmBuild: build,
      releaseName: chart.name,
      namespace: CHECK_NAMESPACE,
    };
  }

  /** Lint and render run side by side (two processes), lint, the longer one, started first. */
  private async runHelm(chart: ChartToValidate, key?: VerdictKey): Promise<ValidatedChart> {
    const file = await this.packageFile(chart);
    const linting = this.lint(file.path);
    const rendering = this.render(file.path, chart.name);
    const lint = new Gate(this.conclude(file, linting, rendering, key));
    try {
      return { images: (await rendering).images, lint };
    } catch (error) {
      // A chart failing both is told lint's findings: they say what to fix first.
      throw (await lint.failed()) ?? error;
    }
  }

  /**
   * Settles once both helm processes have: the verdict stored when both passed, the package file
   * removed whatever happened. Rejects with lint's refusal, else with the render's.
   */
  private async conclude(
    file: PackageFile,
    linting: Promise<string>,
    rendering: Promise<Render>,
    key?: VerdictKey,
  ): Promise<void> {
    try {
      const messages = await linting;
      const render = await rendering;
      if (key) await this.verdicts.store(key, messages, render.text);
    } finally {
      await Promise.allSettled([rendering]);
      await file.remove();
    }
  }

  /**
   * Resolves with helm's findings when lint passed. A helm stopped by its time, output or memory
   * limit is refused at once: the same bytes would only hit the limit again on a retry.
   */
  private async lint(path: string): Promise<string> {
    let lint: HelmLintResult;
    try {
      lint = await this.helm.lint(path);
    } catch (error) {
      if (error instanceof HelmError) throw new Rejection(`helm lint failed: ${error.message}`);
      throw error;
    }
    if (!lint.ok) throw new Rejection(`helm lint failed:\n${lintFindings(lint.messages)}`);
    return lint.messages;
  }

  /** The render with default values and its images; helm's refusal as a Rejection. */
  private async render(path: string, releaseName: string): Promise<Render> {
    let text: string;
    try {
      text = await this.helm.template(path, {
        releaseName,
        namespace: CHECK_NAMESPACE,
        // What an instance may render: a chart beyond it is refused now, not at every instance.
        maxOutputBytes: this.renderConfig.INSTANCE_MANIFEST_MAX_BYTES,
      });
    } catch (error) {
      throw renderRefusal(error);
    }
    return { text, images: imagesOf(text) };
  }

  /** helm reads the package from a file: a private temporary one, removed by `remove`. */
  private async packageFile(chart: ChartToValidate): Promise<PackageFile> {
    const parent = join(this.workDir.WORK_DIR, 'onboarding');
    await mkdir(parent, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(parent, `${chart.name}-`));
    const path = join(dir, `${chart.name}-${chart.version}.tgz`);
    try {
      await writeFile(path, chart.bytes, { mode: 0o600 });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return { path, remove: () => rm(dir, { recursive: true, force: true }) };
  }
}

function renderRefusal(error: unknown): unknown {
  if (error instanceof HelmOutputTooLarge) {
    return new Rejection(
      `helm template with the default values renders more than ${error.limitBytes} bytes ` +
        '(INSTANCE_MANIFEST_MAX_BYTES)',
    );
  }
  if (!(error instanceof HelmError)) return error;
  return new Rejection(
    `helm template failed with the default values:\n${helmErrors(error.message)}`,
  );
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
