import { pause } from './pause';

describe('pause', () => {
  it('waits the time it is given', async () => {
    const started = Date.now();
    await pause(50, new AbortController().signal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('resolves at once when aborted, before or during the wait', async () => {
    const before = new AbortController();
    before.abort();
    const during = new AbortController();
    const started = Date.now();
    setTimeout(() => during.abort(), 20);
    await Promise.all([pause(10000, before.signal), pause(10000, during.signal)]);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
