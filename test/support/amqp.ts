import { Channel, ChannelModel, connect, ConsumeMessage } from 'amqplib';
import { EventMap, RoutingKey } from '../../src/contract';

export interface ReceivedEvent<K extends RoutingKey> {
  body: EventMap[K];
  raw: string;
  message: ConsumeMessage;
}

/**
 * A plain amqplib subscriber, as a platform component would write it: it reads the durable queues
 * the service declared and knows nothing of the service's code except the shared payload types.
 */
export class EventSubscriber {
  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: Channel,
  ) {}

  static async open(url = process.env.RABBITMQ_URL ?? ''): Promise<EventSubscriber> {
    const connection = await connect(url);
    const channel = await connection.createChannel();
    return new EventSubscriber(connection, channel);
  }

  async purge(...queues: RoutingKey[]): Promise<void> {
    for (const queue of queues) {
      await this.channel.assertQueue(queue, { durable: true });
      await this.channel.purgeQueue(queue);
    }
  }

  /** Waits until `count` messages arrived on `queue` (or fails after `timeoutMs`), acking each. */
  async take<K extends RoutingKey>(
    queue: K,
    count: number,
    timeoutMs = 15000,
  ): Promise<ReceivedEvent<K>[]> {
    const received: ReceivedEvent<K>[] = [];
    let done: () => void = () => undefined;
    const complete = new Promise<void>((resolve) => (done = resolve));
    await this.channel.prefetch(1000);
    const { consumerTag } = await this.channel.consume(queue, (message) => {
      if (!message || received.length >= count) return;
      this.channel.ack(message);
      const raw = message.content.toString('utf8');
      received.push({ body: JSON.parse(raw) as EventMap[K], raw, message });
      if (received.length === count) done();
    });
    const timer = setTimeout(done, timeoutMs);
    await complete;
    clearTimeout(timer);
    await this.channel.cancel(consumerTag);
    await this.channel.recover();
    if (received.length < count) {
      throw new Error(
        `only ${received.length} of ${count} events arrived on "${queue}" in ${timeoutMs} ms`,
      );
    }
    return received;
  }

  /** How many messages wait on the queue right now. */
  async depth(queue: RoutingKey): Promise<number> {
    return (await this.channel.checkQueue(queue)).messageCount;
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}

/**
 * Reads `queue` until `distinct` different message ids arrived (or `timeoutMs` passed), acking
 * each; answers every delivery, duplicates included, as a subscriber deduplicating by id sees them.
 */
export async function collectDistinct(
  queue: string,
  distinct: number,
  timeoutMs: number,
): Promise<Array<{ messageId: string; body: { id: number; status?: string } }>> {
  const connection = await connect(process.env.RABBITMQ_URL ?? '');
  try {
    const channel = await connection.createChannel();
    await channel.prefetch(1000);
    const seen = new Set<string>();
    const deliveries: Array<{ messageId: string; body: { id: number; status?: string } }> = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void channel.consume(queue, (message) => {
        if (!message) return;
        channel.ack(message);
        const messageId = String(message.properties.messageId);
        deliveries.push({
          messageId,
          body: JSON.parse(message.content.toString()) as { id: number },
        });
        seen.add(messageId);
        if (seen.size === distinct) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // Duplicates of the last messages may still be on their way: give them a moment to show.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return deliveries;
  } finally {
    await connection.close();
  }
}
