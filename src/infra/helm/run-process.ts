import { execFile, ExecFileException } from 'node:child_process';

export interface ProcessLimits {
  timeoutMs: number;
  /** Cap on stdout and on stderr each; the child is killed when it prints more. */
  maxOutputBytes: number;
  env?: NodeJS.ProcessEnv;
}

export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The child could not be run to an exit code: not found, timed out, or printed too much. */
export class ProcessFailure extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'ProcessFailure';
  }
}

/**
 * Runs a binary with an argument array (never through a shell). Resolves with the exit code and
 * output whatever the exit code is, so callers decide what a non-zero exit means.
 */
export function runProcess(
  bin: string,
  args: string[],
  limits: ProcessLimits,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      {
        timeout: limits.timeoutMs,
        maxBuffer: limits.maxOutputBytes,
        env: limits.env,
        encoding: 'utf8',
        windowsHide: true,
      },
      (error: ExecFileException | null, stdout: string, stderr: string) => {
        if (!error) return resolve({ exitCode: 0, stdout, stderr });
        if (typeof error.code === 'number') {
          return resolve({ exitCode: error.code, stdout, stderr });
        }
        reject(new ProcessFailure(describe(bin, error, limits), stderr.trim()));
      },
    );
  });
}

function describe(bin: string, error: ExecFileException, limits: ProcessLimits): string {
  if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return `${bin} printed more than ${limits.maxOutputBytes} bytes and was stopped`;
  }
  if (error.killed || error.signal) {
    return `${bin} did not finish within ${limits.timeoutMs} ms and was stopped`;
  }
  if (error.code === 'ENOENT') return `${bin} was not found`;
  return `${bin} failed: ${error.message}`;
}
