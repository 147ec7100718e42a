/**
 * The writer of `bench:relay` in a process of its own: single-event transactions through the
 * api's OutboxService at a steady rate, as other api replicas (or other requests) would commit them,
 * so that the relay's event loop is not also the writer's. Driven over IPC by bench/relay.ts.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { OutboxMessage } from '../src/events/entities/outbox-message.entity';
import { OutboxService } from '../src/events/outbox.service';
import { outboxWrite, SteadyWrites, steadyWrites } from './relay-writes';

async function main(): Promise<void> {
  const dataSource = new DataSource({
    ...dataSourceOptions(process.env.DATABASE_URL ?? ''),
    entities: [OutboxMessage],
  });
  await dataSource.initialize();
  const write = outboxWrite(dataSource, new OutboxService());
  process.on('message', (order: SteadyWrites | 'exit') => {
    if (order === 'exit') {
      void dataSource.destroy().then(() => process.disconnect());
      return;
    }
    void steadyWrites(write, order).then((committedAt) => process.send?.([...committedAt]));
  });
  process.send?.('ready');
}

void main();
