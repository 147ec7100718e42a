/**
 * What bench/relay.ts and its writer process share: the event written, the steady-rate writer and
 * a clock both processes read alike.
 */
import { DataSource } from 'typeorm';
import { UploadEvent } from '../src/contract';
import { OutboxService } from '../src/events/outbox.service';

export interface SteadyWrites {
  events: number;
  ratePerSecond: number;
}

/** One event written in its own transaction; `ready` is called when only the COMMIT is left. */
export type Write = (i: number, ready: (messageId: string) => void) => Promise<void>;

/** Milliseconds since the epoch at sub-millisecond resolution, comparable between processes. */
export const sharedClock = (): number => performance.timeOrigin + performance.now();

export const uploadPayload = (id: number): UploadEvent => ({
  id,
  name: 'echo-server',
  version: '0.5.5',
  type: 'chart',
  status: 'accepted',
});

export const outboxWrite =
  (dataSource: DataSource, outbox: OutboxService): Write =>
  (i, ready) =>
    dataSource.transaction(async (manager) => {
      ready(
        await outbox.add(manager, 'upload', uploadPayload(i), { type: 'workload_document', id: i }),
      );
    });

/**
 * Starts `events` writes at `ratePerSecond`, without waiting for one to end before the next is
 * due, and answers when each was ready to commit (the clock starts before the COMMIT round trip).
 */
export async function steadyWrites(
  write: Write,
  { events, ratePerSecond }: SteadyWrites,
): Promise<Map<string, number>> {
  const readyAt = new Map<string, number>();
  const interval = 1000 / ratePerSecond;
  const start = performance.now();
  const writes: Promise<void>[] = [];
  for (let i = 0; i < events; i++) {
    const wait = start + i * interval - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    writes.push(write(i, (messageId) => readyAt.set(messageId, sharedClock())));
  }
  await Promise.all(writes);
  return readyAt;
}
