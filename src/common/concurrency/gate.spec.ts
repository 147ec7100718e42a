import { Gate } from './gate';

describe('Gate', () => {
  it('passes when its work succeeds', async () => {
    const gate = new Gate(Promise.resolve('done'));
    await expect(gate.passed()).resolves.toBeUndefined();
    expect(await gate.failed()).toBeUndefined();
  });

  it('fails every waiter with the failure of its work, and answers it', async () => {
    const refusal = new Error('lint failed');
    const gate = new Gate(Promise.reject(refusal));
    await expect(Promise.all([gate.passed(), gate.passed()])).rejects.toBe(refusal);
    expect(await gate.failed()).toBe(refusal);
  });

  it('keeps waiters waiting until the work is decided', async () => {
    let pass: () => void = () => undefined;
    const gate = new Gate(new Promise<void>((resolve) => (pass = resolve)));
    let through = false;
    const waiting = gate.passed().then(() => (through = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(through).toBe(false);
    pass();
    await waiting;
    expect(through).toBe(true);
  });

  it('is open from the start when made open', async () => {
    await expect(Gate.open().passed()).resolves.toBeUndefined();
  });
});
