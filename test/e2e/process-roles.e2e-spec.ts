import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { testAuthEnv } from '../support/auth';
import { freePort } from '../support/service-process';

const root = join(__dirname, '..', '..');
const main = join(root, 'dist', 'src', 'main.js');

interface Exit {
  code: number | null;
  output: string;
}

/** Runs the built service as an operator would: `node dist/src/main.js <role>`. */
function launch(
  args: string[],
  env: Record<string, string | undefined>,
): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [main, ...args], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<Exit>((resolve) =>
    child.on('exit', (code) => resolve({ code, output })),
  );
  return { child, exited };
}

async function waitFor(url: string, timeoutMs = 30000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('process roles of the built service (dist/, as `npm run dev` runs it)', () => {
  beforeAll(() => {
    if (!existsSync(main))
      throw new Error('dist/ is missing: run `npm run build` (scripts/test.sh does)');
  });

  it('stops start-up with one message naming a missing or wrong setting', async () => {
    const { exited } = launch(['api'], { DATABASE_URL: undefined, PORT: 'eighty' });
    const { code, output } = await exited;
    expect(code).toBe(1);
    expect(output).toMatch(/DATABASE_URL \(missing\)/);
    expect(output).toMatch(/PORT \(invalid\)/);
  });

  it('refuses an unknown role', async () => {
    const { code, output } = await launch(['scheduler'], {}).exited;
    expect(code).toBe(1);
    expect(output).toMatch(/Unknown role "scheduler"/);
  });

  it('runs the api role until SIGTERM, ready on every dependency, then exits cleanly', async () => {
    const port = await freePort();
    const { child, exited } = launch(['api'], { ...(await testAuthEnv()), PORT: String(port) });
    const ready = await waitFor(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { details: Record<string, { status: string }> };
    expect(Object.keys(body.details).sort()).toEqual(['postgresql', 'rabbitmq', 'redis', 's3']);
    child.kill('SIGTERM');
    const { code, output } = await exited;
    expect(code).toBe(0);
    expect(output).toMatch(/"msg":"API listening on http:\/\/127\.0\.0\.1:\d+\/api\/v1/);
  });

  it('runs the worker role until SIGTERM, then exits cleanly', async () => {
    const { child, exited } = launch(['worker'], {});
    const deadline = Date.now() + 60000;
    let started = false;
    child.stdout?.on(
      'data',
      (chunk: Buffer) => (started ||= chunk.toString().includes('Worker started')),
    );
    while (!started && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(started).toBe(true);
    child.kill('SIGTERM');
    expect((await exited).code).toBe(0);
  }, 90_000);
});
