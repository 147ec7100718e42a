import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ifPresent } from './if-present';

describe('ifPresent', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'if-present-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('answers the result when the file is there', async () => {
    expect(await ifPresent(readdir(dir))).toEqual([]);
  });

  it('answers undefined when it is not', async () => {
    expect(await ifPresent(stat(join(dir, 'gone')))).toBeUndefined();
  });

  it('still rejects any other failure', async () => {
    await expect(ifPresent(readdir(join(dir, '\0')))).rejects.toThrow();
    await expect(ifPresent(Promise.reject(new Error('disk on fire')))).rejects.toThrow(
      'disk on fire',
    );
  });
});
