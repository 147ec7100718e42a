import { Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { OutboxMessage } from './entities/outbox-message.entity';
import { EventMap, RoutingKey } from '../contract';

/** The state change an event belongs to; events of one aggregate are published in order. */
export interface Aggregate {
  type: 'workload_document' | 'workload_instance' | 'intent';
  id: string | number;
}

/** Rows are spread over a fixed number of partitions; one relay loop owns a partition at a time. */
export const OUTBOX_PARTITIONS = 8;

export function partitionOf(aggregate: Aggregate): number {
  const digest = createHash('sha1').update(`${aggregate.type}:${aggregate.id}`).digest();
  return digest.readUInt32BE(0) % OUTBOX_PARTITIONS;
}

/**
 * The only way to emit a lifecycle event: it is written with the caller's entity manager, so it
 * commits or rolls back together with the state change that caused it.
 */
@Injectable()
export class OutboxService {
  async add<K extends RoutingKey>(
    manager: EntityManager,
    routingKey: K,
    payload: EventMap[K],
    aggregate: Aggregate,
  ): Promise<string> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('OutboxService.add must run inside a transaction');
    }
    const messageId = randomUUID();
    await manager.insert(OutboxMessage, {
      messageId,
      routingKey,
      aggregateType: aggregate.type,
      aggregateId: String(aggregate.id),
      partition: partitionOf(aggregate),
      body: JSON.stringify(payload),
    });
    return messageId;
  }
}
