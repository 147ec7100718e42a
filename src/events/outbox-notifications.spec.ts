import { Wakeup } from './outbox-notifications';

describe('Wakeup', () => {
  const never = new AbortController().signal;

  it('keeps a wake-up that came while nobody waited', async () => {
    const wakeup = new Wakeup();
    wakeup.wake();
    const started = Date.now();
    await expect(wakeup.wait(10000, never)).resolves.toBe(true);
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('ends a wait on wake(), and otherwise after the interval', async () => {
    const wakeup = new Wakeup();
    const started = Date.now();
    setTimeout(() => wakeup.wake(), 20);
    await expect(wakeup.wait(10000, never)).resolves.toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    const idle = Date.now();
    await expect(wakeup.wait(50, never)).resolves.toBe(false);
    expect(Date.now() - idle).toBeGreaterThanOrEqual(45);
  });

  it('ends a wait when the relay stops', async () => {
    const stopping = new AbortController();
    const wakeup = new Wakeup();
    setTimeout(() => stopping.abort(), 20);
    const started = Date.now();
    await expect(wakeup.wait(10000, stopping.signal)).resolves.toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
