import { Injectable } from '@nestjs/common';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RegistryConfig } from '../../config/slices/registry.config';
import { SkopeoConfig } from '../../config/slices/skopeo.config';
import { WorkDirConfig } from '../../config/slices/work-dir.config';
import { ProcessFailure, runProcess } from '../process/run-process';
import { authFileContent } from '../registry/auth-file';
import { CopyOptions, Skopeo, SkopeoError } from './skopeo.port';

const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
/** skopeo stops itself at its command timeout; the process is killed only if it overruns this. */
const KILL_GRACE_MS = 5000;

/**
 * The real skopeo. NEMO registry credentials reach it through an auth file (mode 0600) rather
 * than `--dest-creds`, so the password never shows in a process list. Each run is bounded by
 * `--command-timeout` and makes no retries of its own: the caller retries within its time budget.
 */
@Injectable()
export class SkopeoCli implements Skopeo {
  private readonly home: string;
  private destinationAuthFile?: Promise<string>;

  constructor(
    private readonly config: SkopeoConfig,
    private readonly registries: RegistryConfig,
    workDir: WorkDirConfig,
  ) {
    this.home = join(workDir.WORK_DIR, 'skopeo');
  }

  async copy(source: string, destination: string, options: CopyOptions = {}): Promise<string> {
    const timeoutMs = Math.min(options.timeoutMs ?? Infinity, this.config.SKOPEO_TIMEOUT_MS);
    await mkdir(this.home, { recursive: true });
    const dir = await mkdtemp(join(this.home, 'copy-'));
    try {
      const digestFile = join(dir, 'digest');
      const args = [
        '--command-timeout',
        `${Math.max(1, Math.floor(timeoutMs))}ms`,
        'copy',
        '--retry-times',
        '0',
        '--all',
        '--preserve-digests',
        `--src-tls-verify=${this.registries.SOURCE_REGISTRY_TLS_VERIFY}`,
        `--dest-tls-verify=${this.registries.REGISTRY_TLS_VERIFY}`,
        '--digestfile',
        digestFile,
        ...(await this.authArgs()),
        `docker://${source}`,
        `docker://${destination}`,
      ];
      const result = await this.run(args, timeoutMs + KILL_GRACE_MS);
      if (result.exitCode !== 0)
        throw new SkopeoError(result.stderr.trim() || result.stdout.trim());
      return (await readFile(digestFile, 'utf8')).trim();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async run(args: string[], timeoutMs: number) {
    try {
      return await runProcess(this.config.SKOPEO_BIN, args, {
        timeoutMs,
        maxOutputBytes: MAX_OUTPUT_BYTES,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME ?? this.home,
          TMPDIR: process.env.TMPDIR,
          XDG_RUNTIME_DIR: this.home,
        },
      });
    } catch (error) {
      if (error instanceof ProcessFailure)
        throw new SkopeoError(`${error.message} ${error.stderr}`.trim());
      throw error;
    }
  }

  private async authArgs(): Promise<string[]> {
    const args: string[] = [];
    if (this.registries.SOURCE_REGISTRY_AUTH_FILE) {
      args.push('--src-authfile', this.registries.SOURCE_REGISTRY_AUTH_FILE);
    }
    const { REGISTRY_USERNAME: username, REGISTRY_PASSWORD: password } = this.registries;
    if (username && password) {
      this.destinationAuthFile ??= this.writeDestinationAuth({ username, password });
      args.push('--dest-authfile', await this.destinationAuthFile);
    }
    return args;
  }

  private async writeDestinationAuth(credentials: {
    username: string;
    password: string;
  }): Promise<string> {
    const path = join(this.home, 'nemo-registry-auth.json');
    const host = this.registries.REGISTRY_HOST.split('/')[0];
    await writeFile(path, authFileContent(host, credentials), { mode: 0o600 });
    return path;
  }
}
