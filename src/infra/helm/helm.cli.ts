import { Injectable } from '@nestjs/common';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppConfig } from '../../config/app-config';
import {
  Helm,
  HelmError,
  HelmLintResult,
  HelmOutputTooLarge,
  HelmRenderOptions,
} from './helm.port';
import { ProcessSlots } from '../process/process-slots';
import { ProcessFailure, ProcessLimits, ProcessResult, runProcess } from '../process/run-process';

/**
 * The real `helm` (v3 or v4): one process per call, argument arrays only, bounded time, output and
 * memory (HELM_MEMORY_LIMIT_BYTES through prlimit), and at most HELM_MAX_PROCESSES at once in
 * this process (the others wait their turn).
 */
@Injectable()
export class HelmCli implements Helm {
  private readonly home: string;
  private readonly slots: ProcessSlots;

  constructor(private readonly config: AppConfig) {
    this.home = join(config.WORK_DIR, 'helm');
    this.slots = new ProcessSlots(config.HELM_MAX_PROCESSES);
  }

  async lint(chartPath: string): Promise<HelmLintResult> {
    const result = await this.run(['lint', chartPath]);
    return { ok: result.exitCode === 0, messages: lintMessages(result) };
  }

  async template(chartPath: string, options: HelmRenderOptions): Promise<string> {
    const args = ['template', options.releaseName, chartPath];
    if (options.namespace) args.push('--namespace', options.namespace);
    // `--flag=value`: a value can never be read as another flag.
    if (options.kubeVersion) args.push(`--kube-version=${options.kubeVersion}`);
    for (const apiVersion of options.apiVersions ?? []) args.push(`--api-versions=${apiVersion}`);
    const valuesDir = options.valuesYaml === undefined ? undefined : await this.valuesDir();
    try {
      if (valuesDir) {
        const file = join(valuesDir, 'values.yaml');
        await writeFile(file, options.valuesYaml ?? '', { mode: 0o600 });
        args.push('-f', file);
      }
      const result = await this.run(args, options.maxOutputBytes);
      if (result.exitCode !== 0) throw new HelmError(result.stderr.trim() || result.stdout.trim());
      return result.stdout;
    } finally {
      if (valuesDir) await rm(valuesDir, { recursive: true, force: true });
    }
  }

  private async valuesDir(): Promise<string> {
    const parent = join(this.home, 'values');
    await mkdir(parent, { recursive: true, mode: 0o700 });
    return mkdtemp(join(parent, 'v-'));
  }

  private async run(args: string[], maxOutputBytes?: number): Promise<ProcessResult> {
    const limits = this.limits(maxOutputBytes);
    try {
      return await this.slots.run(() => runProcess(this.config.HELM_BIN, args, limits));
    } catch (error) {
      if (!(error instanceof ProcessFailure)) throw error;
      // A missing helm or prlimit is this installation's fault, not the chart's: retried, not refused.
      if (error.kind === 'missing') throw new Error(error.message);
      if (error.kind === 'output' && maxOutputBytes !== undefined) {
        throw new HelmOutputTooLarge(limits.maxOutputBytes);
      }
      throw new HelmError(error.message);
    }
  }

  private limits(maxOutputBytes?: number): ProcessLimits {
    const memory = this.config.HELM_MEMORY_LIMIT_BYTES;
    return {
      timeoutMs: this.config.HELM_TIMEOUT_MS,
      maxOutputBytes: Math.min(maxOutputBytes ?? Infinity, this.config.HELM_MAX_OUTPUT_BYTES),
      env: this.env(),
      memory: memory > 0 ? { limitBytes: memory, prlimitBin: this.config.PRLIMIT_BIN } : undefined,
    };
  }

  /** Only what helm needs: no secrets of this process leak into it or its plugins. */
  private env(): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? this.home,
      TMPDIR: process.env.TMPDIR,
      HELM_CACHE_HOME: join(this.home, 'cache'),
      HELM_CONFIG_HOME: join(this.home, 'config'),
      HELM_DATA_HOME: join(this.home, 'data'),
      // A helm stopped by its memory limit says so in one line, not in a dump of every goroutine.
      GOTRACEBACK: 'none',
    };
  }
}

/** helm's findings without its banner lines (which name temporary paths) and summary. */
function lintMessages(result: ProcessResult): string {
  return `${result.stdout}\n${result.stderr}`
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '' && !line.startsWith('==> Linting'))
    .filter((line) => !/\d+ chart\(s\) linted/.test(line))
    .join('\n');
}
