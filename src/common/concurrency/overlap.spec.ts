import { Overlap } from './overlap';

const after = <T>(ms: number, settle: () => T): Promise<T> =>
  new Promise((resolve, reject) =>
    setTimeout(() => {
      try {
        resolve(settle());
      } catch (error) {
        reject(error);
      }
    }, ms),
  );
const fail = (message: string) => () => {
  throw new Error(message);
};

describe('Overlap', () => {
  it('answers values of pieces that passed', async () => {
    const work = new Overlap(['a', 'b']);
    const a = work.start(
      'a',
      after(5, () => 1),
    );
    expect(await a.result()).toBe(1);
    await expect(work.settle()).resolves.toBeUndefined();
  });

  it('throws the failure that ranks first, not the first to happen', async () => {
    const work = new Overlap(['lint', 'images', 'progress']);
    work.start('progress', after(1, fail('progress')));
    work.start('lint', after(20, fail('lint')));
    const images = work.start('images', after(2, fail('images')));
    await expect(images.result()).rejects.toThrow('lint');
  });

  it('reports nothing before every piece started so far has settled', async () => {
    const work = new Overlap(['a', 'b']);
    let slowDone = false;
    work.start(
      'b',
      after(30, () => {
        slowDone = true;
      }),
    );
    await expect(work.start('a', after(1, fail('a'))).result()).rejects.toThrow('a');
    expect(slowDone).toBe(true);
  });

  it('between two of one kind, the one started first', async () => {
    const work = new Overlap(['progress']);
    work.start('progress', after(10, fail('first')));
    work.start('progress', after(1, fail('second')));
    await expect(work.settle()).rejects.toThrow('first');
  });

  it('settle waits for pieces started while it waits', async () => {
    const work = new Overlap(['a', 'b']);
    work.start(
      'a',
      after(5, () => work.start('b', after(10, fail('late')))),
    );
    await expect(work.settle()).rejects.toThrow('late');
  });

  it('a failure nobody asks for is never an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      new Overlap(['a']).start('a', Promise.reject(new Error('ignored')));
      await after(10, () => undefined);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  it('refuses a kind without a rank', () => {
    expect(() => new Overlap<string>(['a']).start('b', Promise.resolve())).toThrow(/no rank/);
  });
});
