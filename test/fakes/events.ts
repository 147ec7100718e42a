import type { EntityManager } from 'typeorm';
import type { EventMap, RoutingKey } from '../../src/contract';
import type { Aggregate, OutboxService } from '../../src/events/outbox.service';
import type { ObjectChange } from '../../src/subscription/subscription-events';
import type { SubscriptionService } from '../../src/subscription/subscription.service';
import type { MemoryDatabase } from './database';

/** An outbox row of MemoryOutbox: kept only when its transaction commits. */
export class OutboxRecord {
  id?: number;
  routingKey!: RoutingKey;
  payload!: unknown;
  aggregate!: Aggregate;
}

/** A webhook change of MemorySubscriptions: kept only when its transaction commits. */
export class SubscriptionRecord {
  id?: number;
  change!: ObjectChange;
}

function requireTransaction(manager: EntityManager, who: string): void {
  if (!manager.queryRunner?.isTransactionActive)
    throw new Error(`${who} must run inside a transaction`);
}

/**
 * OutboxService over a MemoryDatabase: `add` writes through the caller's manager, so an event of a
 * rolled-back transaction is gone with it, as in the real outbox table. `failNext` makes the next
 * `add` reject (a database error at that point of the transaction).
 */
export class MemoryOutbox implements Pick<OutboxService, 'add'> {
  private failure: Error | null = null;

  constructor(private readonly db: MemoryDatabase) {}

  failNext(error: Error): void {
    this.failure = error;
  }

  async add<K extends RoutingKey>(
    manager: EntityManager,
    routingKey: K,
    payload: EventMap[K],
    aggregate: Aggregate,
  ): Promise<string> {
    requireTransaction(manager, 'OutboxService.add');
    const failure = this.failure;
    this.failure = null;
    if (failure) throw failure;
    const saved = await manager.save(
      Object.assign(new OutboxRecord(), { routingKey, payload, aggregate }),
    );
    return String(saved.id);
  }

  /** The committed events, oldest first, with their routing key. */
  events(): Array<{ routingKey: RoutingKey; payload: unknown }> {
    return this.db.rows(OutboxRecord).map(({ routingKey, payload }) => ({ routingKey, payload }));
  }
}

/** SubscriptionService.record over a MemoryDatabase, with the same transaction rule as the real one. */
export class MemorySubscriptions implements Pick<SubscriptionService, 'record'> {
  private failure: Error | null = null;

  constructor(private readonly db: MemoryDatabase) {}

  failNext(error: Error): void {
    this.failure = error;
  }

  async record(manager: EntityManager, change: ObjectChange): Promise<void> {
    requireTransaction(manager, 'SubscriptionService.record');
    const failure = this.failure;
    this.failure = null;
    if (failure) throw failure;
    await manager.save(Object.assign(new SubscriptionRecord(), { change }));
  }

  /** The committed changes: event name and subject. */
  changes(): Array<{ event: string; subject: string }> {
    return this.db.rows(SubscriptionRecord).map(({ change }) => ({
      event: change.event,
      subject: change.subject,
    }));
  }
}
