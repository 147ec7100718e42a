import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
export const BUILT_MAIN = join(ROOT, 'dist', 'src', 'main.js');

/** One `node dist/src/main.js <role>` started by a test, with its output kept for diagnostics. */
export interface ServiceProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Fails with how to fix it when dist/ has not been built (scripts/test.sh builds it). */
export function requireBuild(): void {
  if (!existsSync(BUILT_MAIN))
    throw new Error(`${BUILT_MAIN} is missing: build first (\`npm run build\`)`);
}

/** Polls `probe` every 100 ms until it answers a value, or fails naming what it waited for. */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  diagnostics: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${diagnostics()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts the built service in `role` as an operator would, with this test's `env` over the jest
 * worker's, and resolves once its start-up line (`ready`) was printed.
 */
export async function startServiceProcess(
  role: 'api' | 'worker',
  env: Record<string, string>,
  timeoutMs = 30000,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [BUILT_MAIN, role], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = role === 'api' ? 'API listening on' : 'Worker started';
  await waitUntil(
    `the ${role} process to start`,
    async () => {
      if (child.exitCode !== null) throw new Error(`the ${role} exited early:\n${output}`);
      return output.includes(ready) ? true : undefined;
    },
    timeoutMs,
  );
  return { child, output: () => output, exited };
}

/** SIGKILLs whichever of `processes` still run and waits for each to be gone. */
export async function killAll(processes: ServiceProcess[]): Promise<void> {
  for (const { child } of processes) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await Promise.all(processes.map((process_) => process_.exited));
}

/** A loopback port free right now (the OS picks it; the probe closes before answering). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
