import { execFile, ExecFileException } from 'node:child_process';

export interface ProcessLimits {
  timeoutMs: number;
  /** Cap on stdout and on stderr each; the child is killed when it prints more. */
  maxOutputBytes: number;
  env?: NodeJS.ProcessEnv;
  /**
   * The child's data segment limit (RLIMIT_DATA, which counts the heap of Go programs such as helm;
   * RLIMIT_AS does not suit them: Go reserves ~1 GB of address space at start). Set by running the
   * binary through `prlimit` (util-linux), which execs it in place, so no shell is involved.
   */
  memory?: { limitBytes: number; prlimitBin: string };
}

export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type FailureCause = 'timeout' | 'output' | 'memory' | 'missing' | 'failed';

/** The child could not be run to a meaningful exit: not found, timed out, printed or used too much. */
export class ProcessFailure extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly kind: FailureCause,
  ) {
    super(message);
    this.name = 'ProcessFailure';
  }
}

/** prlimit's exit codes when it cannot exec the program (util-linux: EX_EXEC_FAILED, ENOENT). */
const EXEC_FAILED = new Set([126, 127]);
const OUT_OF_MEMORY = /out of memory|cannot allocate memory/i;

/**
 * Runs a binary with an argument array (never through a shell). Resolves with the exit code and
 * output whatever the exit code is, so callers decide what a non-zero exit means; rejects with a
 * ProcessFailure when a limit stopped it.
 */
export function runProcess(
  bin: string,
  args: string[],
  limits: ProcessLimits,
): Promise<ProcessResult> {
  const [file, argv] = limits.memory
    ? [limits.memory.prlimitBin, [`--data=${limits.memory.limitBytes}`, '--', bin, ...args]]
    : [bin, args];
  return new Promise((resolve, reject) => {
    execFile(
      file,
      argv,
      {
        timeout: limits.timeoutMs,
        maxBuffer: limits.maxOutputBytes,
        env: limits.env,
        encoding: 'utf8',
        windowsHide: true,
      },
      (error: ExecFileException | null, stdout: string, stderr: string) => {
        if (!error) return resolve({ exitCode: 0, stdout, stderr });
        const failure = failureOf(bin, error, stderr, limits);
        if (failure) return reject(failure);
        resolve({ exitCode: Number(error.code), stdout, stderr });
      },
    );
  });
}

function failureOf(
  bin: string,
  error: ExecFileException,
  stderr: string,
  limits: ProcessLimits,
): ProcessFailure | undefined {
  const fail = (message: string, kind: FailureCause) =>
    new ProcessFailure(message, stderr.trim(), kind);
  if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return fail(
      `${bin} printed more than ${limits.maxOutputBytes} bytes and was stopped`,
      'output',
    );
  }
  if (error.killed || error.signal) {
    return fail(`${bin} did not finish within ${limits.timeoutMs} ms and was stopped`, 'timeout');
  }
  if (error.code === 'ENOENT') {
    return fail(`${limits.memory ? limits.memory.prlimitBin : bin} was not found`, 'missing');
  }
  if (typeof error.code !== 'number') return fail(`${bin} failed: ${error.message}`, 'failed');
  if (!limits.memory) return undefined;
  if (EXEC_FAILED.has(error.code) && stderr.startsWith('prlimit:')) {
    return fail(`${bin} could not be run: ${stderr.trim()}`, 'missing');
  }
  if (OUT_OF_MEMORY.test(stderr)) {
    return fail(
      `${bin} needed more than its memory limit of ${limits.memory.limitBytes} bytes and was stopped`,
      'memory',
    );
  }
  return undefined;
}
