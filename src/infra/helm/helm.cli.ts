import { Injectable } from '@nestjs/common';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppConfig } from '../../config/app-config';
import { Helm, HelmError, HelmLintResult, HelmRenderOptions } from './helm.port';
import { ProcessFailure, ProcessResult, runProcess } from './run-process';

/** The real `helm` (v3 or v4): one process per call, argument arrays only, bounded time and output. */
@Injectable()
export class HelmCli implements Helm {
  private readonly home: string;

  constructor(private readonly config: AppConfig) {
    this.home = join(config.WORK_DIR, 'helm');
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
      const result = await this.run(args);
      if (result.exitCode !== 0) throw new HelmError(result.stderr.trim() || result.stdout.trim());
      return result.stdout;
    } finally {
      if (valuesDir) await rm(valuesDir, { recursive: true, force: true });
    }
  }

  private async valuesDir(): Promise<string> {
    const parent = join(this.home, 'values');
    await mkdir(parent, { recursive: true });
    return mkdtemp(join(parent, 'v-'));
  }

  private async run(args: string[]): Promise<ProcessResult> {
    try {
      return await runProcess(this.config.HELM_BIN, args, {
        timeoutMs: this.config.HELM_TIMEOUT_MS,
        maxOutputBytes: this.config.HELM_MAX_OUTPUT_BYTES,
        env: this.env(),
      });
    } catch (error) {
      if (error instanceof ProcessFailure) throw new HelmError(error.message);
      throw error;
    }
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
