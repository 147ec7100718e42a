import { Injectable } from '@nestjs/common';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HelmConfig } from '../../config/slices/helm.config';
import { WorkDirConfig } from '../../config/slices/work-dir.config';
import {
  Helm,
  HelmError,
  HelmLintResult,
  HelmOutputTooLarge,
  HelmRenderOptions,
} from './helm.port';
import { helmBuild } from './helm-build';
import { ProcessSlots } from '../process/process-slots';
import {
  ProvenanceInput,
  ProvenanceProblem,
  ProvenanceVerdict,
  ProvenanceVerifier,
} from './provenance.port';
import { ProcessFailure, ProcessLimits, ProcessResult, runProcess } from '../process/run-process';

/** What `helm verify` prints: a few lines; more is not a verification report. */
const VERIFY_MAX_OUTPUT_BYTES = 64 * 1024;

/**
 * The real `helm` (v3 or v4): one process per call, argument arrays only, bounded time, output and
 * memory (HELM_MEMORY_LIMIT_BYTES through prlimit), and at most HELM_MAX_PROCESSES at once in
 * this process (the others wait their turn), `helm verify` included.
 */
@Injectable()
export class HelmCli implements Helm, ProvenanceVerifier {
  private readonly home: string;
  private readonly slots: ProcessSlots;
  private fingerprint?: Promise<string | undefined>;

  constructor(
    private readonly config: HelmConfig,
    workDir: WorkDirConfig,
  ) {
    this.home = join(workDir.WORK_DIR, 'helm');
    this.slots = new ProcessSlots(config.HELM_MAX_PROCESSES);
  }

  /** Hashed once per process, on first ask. */
  build(): Promise<string | undefined> {
    this.fingerprint ??= helmBuild(this.config.HELM_BIN);
    return this.fingerprint;
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

  /**
   * `helm verify --keyring <keyring> <dir>/<file>`: helm reads `<file>.prov` beside the package,
   * so both go into a private temporary folder, removed afterwards.
   */
  async verify(input: ProvenanceInput): Promise<ProvenanceVerdict> {
    const fileName = basename(input.fileName);
    const parent = join(this.home, 'verify');
    await mkdir(parent, { recursive: true, mode: 0o700 });
    const dir = await mkdtemp(join(parent, 'p-'));
    try {
      const chart = join(dir, fileName);
      await writeFile(chart, input.package, { mode: 0o600 });
      await writeFile(`${chart}.prov`, input.provenance, { mode: 0o600 });
      const result = await this.run(
        ['verify', '--keyring', input.keyringPath, chart],
        VERIFY_MAX_OUTPUT_BYTES,
      );
      const output = `${result.stdout}\n${result.stderr}`.split(dir).join('.');
      return result.exitCode === 0 ? verifiedBy(output) : refusal(output);
    } finally {
      await rm(dir, { recursive: true, force: true });
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

/** helm verify's report: `Signed by: <uid>` lines and `Using Key With Fingerprint: <hex>`. */
function verifiedBy(output: string): ProvenanceVerdict {
  const signers = [...output.matchAll(/^Signed by: (.+)$/gm)].map((match) => match[1].trim());
  const fingerprint = /^Using Key With Fingerprint: ([0-9A-Fa-f]+)$/m.exec(output)?.[1];
  if (signers.length === 0 || !fingerprint) {
    return { verified: false, problem: 'unreadable', detail: 'helm verify named no signer' };
  }
  return { verified: true, signer: signers.join(', '), keyFingerprint: fingerprint.toUpperCase() };
}

const PROBLEMS: Array<[RegExp, ProvenanceProblem]> = [
  [/unknown entity|no matching key|key not found|unknown key/i, 'unknown_key'],
  [/sha256 sum does not match|digest.*(does not match|mismatch)/i, 'digest_mismatch'],
  [/does not contain a SHA for a file named/i, 'file_not_listed'],
  [/invalid signature|signature.*(bad|invalid|failed)|hash tag doesn't match/i, 'bad_signature'],
];

/**
 * helm verify's refusal, sorted into what a signer can fix; its first error line as detail. A
 * keyring helm cannot read is this installation's fault, not the chart's: thrown (retried).
 */
function refusal(output: string): ProvenanceVerdict {
  if (/failed to load keyring/i.test(output)) {
    throw new Error(`helm cannot read the keyring CHART_KEYRING: ${output.trim().slice(0, 300)}`);
  }
  const detail =
    output
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.startsWith('Error:'))
      ?.replace(/^Error:\s*/, '')
      .slice(0, 300) ?? 'helm verify failed';
  const problem = PROBLEMS.find(([pattern]) => pattern.test(output))?.[1] ?? 'unreadable';
  return { verified: false, problem, detail };
}
