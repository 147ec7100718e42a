import { ProcessSlots } from './process-slots';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ProcessSlots', () => {
  it('runs at most `size` at once, the rest in arrival order', async () => {
    const slots = new ProcessSlots(2);
    const started: number[] = [];
    const finish: Array<() => void> = [];
    const runs = [0, 1, 2, 3].map((n) =>
      slots.run(
        () =>
          new Promise<number>((resolve) => {
            started.push(n);
            finish[n] = () => resolve(n);
          }),
      ),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect([slots.inUse, slots.queued]).toEqual([2, 2]);
    finish[1]();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    finish[0]();
    finish[2]();
    await tick();
    finish[3]();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect([slots.inUse, slots.queued]).toEqual([0, 0]);
  });

  it('gives the slot back when the work fails', async () => {
    const slots = new ProcessSlots(1);
    await expect(slots.run(() => Promise.reject(new Error('helm failed')))).rejects.toThrow();
    expect(await slots.run(async () => 'next')).toBe('next');
    expect(slots.inUse).toBe(0);
  });

  it('refuses a size below one', () => {
    expect(() => new ProcessSlots(0)).toThrow(/size/);
  });
});
