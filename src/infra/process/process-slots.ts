/**
 * At most `size` holders at once, the others wait in arrival order. Child processes such as helm
 * are the expensive part of a render or a validation (CPU and up to HELM_MEMORY_LIMIT_BYTES each):
 * a burst of requests queues here instead of starting processes without bound.
 */
export class ProcessSlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error('ProcessSlots needs a size ≥ 1');
  }

  /** Runs `work` once a slot is free; the slot is given back however `work` settles. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  private acquire(): Promise<void> {
    if (this.active < this.size) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** A waiter takes the slot over directly: `active` stays counted, no newcomer can jump in. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) return next();
    this.active -= 1;
  }
}
