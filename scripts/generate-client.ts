/**
 * Generates the TypeScript SDK of the API from an OpenAPI document with @hey-api/openapi-ts (fetch
 * client, types and one function per operationId). The tests call it: test/integration/docs keeps
 * test/generated/nemo-client equal to what openapi.json produces (`npm run docs` rewrites both), and
 * the SDK scenario regenerates a fresh copy before calling the running service through it.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO_ROOT = join(__dirname, '..');
export const COMMITTED_OPENAPI = join(REPO_ROOT, 'openapi.json');
export const COMMITTED_CLIENT = join(REPO_ROOT, 'test', 'generated', 'nemo-client');

const GENERATOR = join(REPO_ROOT, 'node_modules', '@hey-api', 'openapi-ts', 'bin', 'run.js');
const TIMEOUT_MS = 60_000;

/** Writes the client for `input` (an OpenAPI file) into `output`, replacing what was there. */
export async function generateClient(input: string, output: string): Promise<void> {
  await run(
    process.execPath,
    [
      GENERATOR,
      '--input',
      input,
      '--output',
      output,
      '--client',
      '@hey-api/client-fetch',
      '--no-log-file',
      '--silent',
    ],
    { cwd: REPO_ROOT, timeout: TIMEOUT_MS, maxBuffer: 1024 * 1024 },
  );
}

/** Every file below `dir` (relative path → content), to compare two generated trees. */
export function readTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return files;
}
