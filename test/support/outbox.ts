import { INestApplication } from '@nestjs/common';
import request from 'supertest';

/**
 * Waits until the app's `/metrics` reports `outbox_depth 0`: every recorded event is confirmed by
 * the broker. What an operator watches, so tests need no hook into the relay.
 */
export async function outboxSettled(app: INestApplication, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const metrics = await request(app.getHttpServer()).get('/metrics');
    if (/^outbox_depth 0$/m.test(metrics.text)) return;
    if (Date.now() > deadline) {
      const depth = /^outbox_depth .*$/m.exec(metrics.text)?.[0] ?? 'no outbox_depth';
      throw new Error(`the outbox did not empty in ${timeoutMs} ms (${depth})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
