import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/** Runs in an idle thread of this process: what the OS scheduler alone costs a loop right now. */
const BASELINE = `
const { parentPort } = require('node:worker_threads');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
parentPort.on('message', (message) => {
  if (message === 'reset') return histogram.reset();
  parentPort.postMessage(histogram.max / 1e6);
});
`;

/**
 * How long this process's event loop was held. Three measures over the same window:
 * `maxDelayMs` — perf_hooks.monitorEventLoopDelay's max (wall clock, so it includes time the OS
 * did not schedule the process at all, which a loaded shared machine adds in bursts);
 * `baselineMs` — the same measure in an idle thread of this process (that scheduling noise alone);
 * `maxCpuMs` — the most CPU the main thread used between two 5 ms ticks (a synchronous stretch of
 * our own code shows there; waiting for the scheduler does not).
 */
export class LoopWatch {
  private readonly histogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly baseline = new Worker(BASELINE, { eval: true });
  private probe?: NodeJS.Timeout;
  private lastCpu = 0;
  private cpuMax = 0;

  start(): void {
    this.histogram.enable();
    this.lastCpu = threadCpuMs();
    this.probe = setInterval(() => {
      const now = threadCpuMs();
      this.cpuMax = Math.max(this.cpuMax, now - this.lastCpu);
      this.lastCpu = now;
    }, 5);
  }

  reset(): void {
    this.histogram.reset();
    this.baseline.postMessage('reset');
    this.cpuMax = 0;
    this.lastCpu = threadCpuMs();
  }

  async read(): Promise<{ maxDelayMs: number; baselineMs: number; maxCpuMs: number }> {
    const baselineMs = await new Promise<number>((resolve) => {
      this.baseline.once('message', resolve);
      this.baseline.postMessage('read');
    });
    return { maxDelayMs: this.histogram.max / 1e6, baselineMs, maxCpuMs: this.cpuMax };
  }

  async stop(): Promise<void> {
    clearInterval(this.probe);
    this.histogram.disable();
    await this.baseline.terminate();
  }
}

function threadCpuMs(): number {
  const usage = process.threadCpuUsage();
  return (usage.user + usage.system) / 1000;
}
