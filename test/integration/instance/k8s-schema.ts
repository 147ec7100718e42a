import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface SchemaResult {
  kind: string;
  name: string;
  errors: string | null;
}

/**
 * Validates objects against the Kubernetes API schema with `kubernetes-models` (an ES module, so
 * in a plain node process: jest's CommonJS runtime cannot import it). One process for all objects.
 */
export function validateAgainstKubernetesSchema(objects: unknown[]): Promise<SchemaResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'validate-k8s.mjs')], {
      cwd: join(__dirname, '..', '..', '..'),
      env: { PATH: process.env.PATH },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        return reject(
          new Error(`validate-k8s.mjs exited ${code}: ${Buffer.concat(err).toString()}`),
        );
      resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as SchemaResult[]);
    });
    child.stdin.end(JSON.stringify(objects));
  });
}
