import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helmBuild, resolveExecutable } from './helm-build';

describe('helm build fingerprint', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'helm-build-'));
    for (const sub of ['a', 'b']) await mkdir(join(dir, sub));
    await writeFile(join(dir, 'a', 'helm'), 'not executable');
    await writeFile(join(dir, 'b', 'helm'), '#!/bin/sh\necho b\n');
    await chmod(join(dir, 'b', 'helm'), 0o755);
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('finds the executable execFile would run: a path as given, a name in PATH order', async () => {
    const path = [join(dir, 'a'), join(dir, 'b')].join(':');
    expect(await resolveExecutable('helm', path)).toBe(join(dir, 'b', 'helm'));
    expect(await resolveExecutable(join(dir, 'b', 'helm'), '')).toBe(join(dir, 'b', 'helm'));
    expect(await resolveExecutable(join(dir, 'a', 'helm'), '')).toBeUndefined();
    expect(await resolveExecutable('helm', join(dir, 'missing'))).toBeUndefined();
  });

  it('is the sha256 of the executable bytes', async () => {
    const expected = createHash('sha256').update('#!/bin/sh\necho b\n').digest('hex');
    expect(await helmBuild(join(dir, 'b', 'helm'))).toBe(expected);
    expect(await helmBuild(join(dir, 'nowhere'))).toBeUndefined();
  });
});
