import { NestExpressApplication } from '@nestjs/platform-express';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ROUTING_KEYS } from '../../../src/events/event-map';
import { OutboxService } from '../../../src/events/outbox.service';
import { resetDatabase, startApi } from '../../support/app';
import { EventSubscriber } from '../../support/amqp';
import { SEED_UPLOAD_MESSAGE } from '../../../src/events/seed-messages';

const run = promisify(execFile);

/** Stops and starts the shared broker: runs alone, in the serial phase of scripts/test.sh. */
const broker = (action: 'stop' | 'start'): Promise<unknown> => {
  const ctl = process.env.NEMO_RABBITMQ_CTL;
  if (!ctl) throw new Error('NEMO_RABBITMQ_CTL is not set: run the tests with "npm test"');
  return run(ctl, [action], { timeout: 120000 });
};

async function eventually(check: () => Promise<boolean>, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('broker outage (real RabbitMQ stopped and started)', () => {
  let strict: NestExpressApplication;
  let tolerant: NestExpressApplication;

  beforeAll(async () => {
    strict = await startApi();
    tolerant = await startApi({ READYZ_REQUIRE_BROKER: 'false' });
    await resetDatabase(strict);
    const subscriber = await EventSubscriber.open();
    await subscriber.purge(...ROUTING_KEYS);
    await subscriber.close();
  });

  afterAll(async () => {
    await broker('start');
    await strict.close();
    await tolerant.close();
  });

  it('keeps accepting changes while the broker is down and delivers every event once when it is back', async () => {
    const dataSource = strict.get(DataSource);
    const outbox = strict.get(OutboxService);
    await broker('stop');

    const ready = await request(strict.getHttpServer()).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.error.rabbitmq.status).toBe('down');
    const degraded = await request(tolerant.getHttpServer()).get('/readyz').expect(200);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.details.rabbitmq.status).toBe('degraded');
    expect(degraded.body.details.postgresql.status).toBe('up');

    const ids = Array.from({ length: 50 }, (_, index) => index + 1);
    for (const id of ids) {
      await dataSource.transaction((manager) =>
        outbox.add(
          manager,
          'upload',
          { ...SEED_UPLOAD_MESSAGE, id },
          { type: 'workload_document', id },
        ),
      );
    }
    const metrics = await request(strict.getHttpServer()).get('/metrics');
    expect(metrics.text).toMatch(/^outbox_depth 50$/m);

    await broker('start');
    await eventually(
      async () => (await request(strict.getHttpServer()).get('/readyz')).status === 200,
    );

    const subscriber = await EventSubscriber.open();
    try {
      const events = await subscriber.take('upload', ids.length, 60000);
      expect(events.map((event) => event.body.id).sort((a, b) => a - b)).toEqual(ids);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await subscriber.depth('upload')).toBe(0);
    } finally {
      await subscriber.close();
    }
  });
});
