import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { pause } from '../common/concurrency/pause';

/** The channel the outbox_message trigger notifies on (migration OutboxNotify1764002010000). */
export const OUTBOX_CHANNEL = 'nemo_outbox';
const MIN_RECONNECT_MS = 100;
const MAX_RECONNECT_MS = 5000;

/**
 * A wake-up signal that is never lost: a wake() while nobody waits is kept until the next wait().
 */
export class Wakeup {
  private pending = false;
  private waiters: Array<() => void> = [];

  wake(): void {
    if (this.waiters.length === 0) {
      this.pending = true;
      return;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Resolves on the next wake(), after `ms`, or when `signal` aborts, whichever comes first: true
   * when woken (a wake-up kept from before counts), false when the time ran out or it was aborted.
   */
  async wait(ms: number, signal: AbortSignal): Promise<boolean> {
    if (this.pending) {
      this.pending = false;
      return true;
    }
    if (signal.aborted) return false;
    return new Promise<boolean>((resolve) => {
      const end = (woken: boolean): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', aborted);
        this.waiters = this.waiters.filter((waiter) => waiter !== woke);
        resolve(woken);
      };
      const woke = (): void => end(true);
      const aborted = (): void => end(false);
      const timer = setTimeout(aborted, ms);
      signal.addEventListener('abort', aborted, { once: true });
      this.waiters.push(woke);
    });
  }
}

/**
 * One dedicated PostgreSQL connection that LISTENs on the outbox channel and wakes the relay loops
 * when events commit. It reconnects by itself (backing off up to 5 s) after the connection is
 * lost, e.g. when PostgreSQL restarts, and wakes the loops after every (re)connect: notifications
 * sent while it was away are not replayed, so the loops look for themselves.
 */
export class OutboxNotifications {
  private readonly logger = new Logger(OutboxNotifications.name);
  private client?: Client;
  private running?: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly connectTimeoutMs: number,
    /** Called with the partitions that got events, or with none: then look at every partition. */
    private readonly onWake: (partitions?: number[]) => void,
    private readonly stopping: AbortSignal,
  ) {}

  start(): void {
    this.running = this.keepListening();
  }

  async stop(): Promise<void> {
    if (this.client) await this.close(this.client);
    await this.running;
  }

  private async keepListening(): Promise<void> {
    let backoffMs = 0;
    while (!this.stopping.aborted) {
      try {
        const lost = await this.listen();
        backoffMs = 0;
        this.onWake();
        await lost;
      } catch (error) {
        backoffMs = Math.min(MAX_RECONNECT_MS, Math.max(MIN_RECONNECT_MS, backoffMs * 2));
        if (!this.stopping.aborted)
          this.logger.warn(
            `Outbox LISTEN connection failed, retrying in ${backoffMs} ms: ${String(error)}`,
          );
      }
      this.client = undefined;
      if (backoffMs > 0) await pause(backoffMs, this.stopping);
    }
  }

  /** Connects and LISTENs; the returned promise resolves when that connection ends or fails. */
  private async listen(): Promise<Promise<void>> {
    const client = new Client({
      connectionString: this.url,
      application_name: 'nemo-intent-api-outbox-listener',
      connectionTimeoutMillis: this.connectTimeoutMs,
      keepAlive: true,
    });
    const lost = new Promise<void>((resolve) => {
      client.once('end', resolve);
      client.on('error', (error) => {
        if (!this.stopping.aborted)
          this.logger.warn(`Outbox LISTEN connection lost: ${error.message}`);
        resolve();
      });
    });
    client.on('notification', ({ payload }) => this.onWake(parsePartitions(payload)));
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (error) {
      await this.close(client);
      throw error;
    }
    this.client = client;
    if (this.stopping.aborted) await this.close(client);
    return lost.then(() => this.close(client));
  }

  /** Ending a connection that already failed may fail again: nothing is left to clean up then. */
  private async close(client: Client): Promise<void> {
    try {
      await client.end();
    } catch (error) {
      this.logger.debug(`Outbox LISTEN connection closed with: ${String(error)}`);
    }
  }
}

/** `3,5` → [3, 5]; anything else (an older trigger, a manual NOTIFY) wakes every loop. */
function parsePartitions(payload: string | undefined): number[] | undefined {
  if (!payload || !/^\d+(,\d+)*$/.test(payload)) return undefined;
  return payload.split(',').map(Number);
}
