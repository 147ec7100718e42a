import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** The file `execFile(bin)` would run: `bin` itself when it names a path, else the first in PATH. */
export async function resolveExecutable(
  bin: string,
  searchPath = process.env.PATH ?? '',
): Promise<string | undefined> {
  const candidates = bin.includes('/')
    ? [bin]
    : searchPath
        .split(delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, bin));
  for (const candidate of candidates) {
    const runnable = await access(candidate, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (runnable) return candidate;
  }
  return undefined;
}

/**
 * sha256 (hex) of the helm executable: what a stored lint/template verdict was produced by. The
 * bytes, unlike `helm version`, need no helm process and tell apart two builds of one version;
 * replicas running the same image agree on it. Undefined when there is no such executable.
 */
export async function helmBuild(bin: string): Promise<string | undefined> {
  const file = await resolveExecutable(bin);
  if (!file) return undefined;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
