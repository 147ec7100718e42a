import { coalescing } from './coalescing';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('coalescing', () => {
  it('merges the changes made while a write is in flight into one next write', async () => {
    const writes: number[][] = [];
    const write = coalescing<number[]>(
      (queued, next) => [...queued, ...next],
      async (items) => {
        writes.push(items);
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    );
    const first = write([0]);
    await tick();
    await Promise.all([first, ...[1, 2, 3, 4, 5].map((item) => write([item]))]);
    expect(writes).toEqual([[0], [1, 2, 3, 4, 5]]);
  });

  it('settles each caller with the write carrying its change, failures included', async () => {
    const written: string[] = [];
    const write = coalescing<string>(
      (_, next) => next,
      async (step) => {
        await tick();
        if (step === 'a') throw new Error('database down');
        written.push(step);
      },
    );
    const first = write('a');
    await tick();
    const second = write('b');
    await expect(first).rejects.toThrow('database down');
    await expect(second).resolves.toBeUndefined();
    await write('c');
    expect(written).toEqual(['b', 'c']);
  });
});
