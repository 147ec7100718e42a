/**
 * Webhook delivery benchmark (issue 17): 1,000 intent changes (PATCH through IntentService, each its
 * own transaction) fanned out to 10 subscribers, one of them dead (it accepts the connection and
 * never answers, so every attempt holds a slot until SUBSCRIPTION_TIMEOUT_MS), against the same
 * changes with only the 9 live subscribers. Rounds alternate, median of BENCH_ROUNDS. Prints one
 * JSON object: delivery throughput and p50/p99 delay (commit → receiver) of the live subscribers,
 * with and without the dead one, and their ratio. `npm run bench:webhooks` (services running).
 */
import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { ApiModule, WorkerModule } from '../src/app.module';
import { Principal } from '../src/auth/principal';
import { IntentService } from '../src/intent/intent.service';
import { SubscriptionService } from '../src/subscription/subscription.service';
import { createMigratedDatabase, median, percentile } from './support';
import { runBench } from './processes';

const CHANGES = Number(process.env.BENCH_CHANGES ?? 1000);
const INTENTS = Number(process.env.BENCH_INTENTS ?? 50);
const LIVE = 9;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WRITERS = 8;
const DEAD_TIMEOUT_MS = 2000;
const BENCH_DB = 'nemo_bench_webhooks';

const PRINCIPAL: Principal = { subject: 'bench', tenant: 'bench', roles: new Set(['writer']) };

interface Arrival {
  receiver: number;
  delayMs: number;
  at: number;
}

/** Nine receivers answering 204 at once, and one that never answers. */
class Receivers {
  readonly arrivals: Arrival[] = [];
  private readonly servers: Server[] = [];
  private readonly hung = new Set<ServerResponse>();

  async start(): Promise<string[]> {
    const urls: string[] = [];
    for (let i = 0; i <= LIVE; i++) {
      const dead = i === LIVE;
      const server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          if (dead) {
            this.hung.add(response);
            return;
          }
          const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { time: string };
          const now = Date.now();
          this.arrivals.push({ receiver: i, delayMs: now - Date.parse(event.time), at: now });
          response.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.servers.push(server);
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
    }
    return urls;
  }

  reset(): void {
    this.arrivals.length = 0;
    for (const response of this.hung) response.destroy();
    this.hung.clear();
  }

  async stop(): Promise<void> {
    this.reset();
    for (const server of this.servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('deliveries did not arrive in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface RoundResult {
  deliveriesPerSecond: number;
  p50: number;
  p99: number;
  changesPerSecond: number;
}

async function main(): Promise<void> {
  Object.assign(process.env, {
    DATABASE_URL: await createMigratedDatabase(BENCH_DB),
    LOG_LEVEL: 'silent',
    AUTH_MODE: process.env.AUTH_MODE ?? 'dev',
    SUBSCRIPTION_ALLOW_PRIVATE: '127.0.0.1',
    SUBSCRIPTION_TIMEOUT_MS: String(DEAD_TIMEOUT_MS),
    SUBSCRIPTION_POLL_INTERVAL_MS: '20',
    // The dead subscriber stays active the whole run: isolation is measured, not the auto-pause.
    SUBSCRIPTION_PAUSE_AFTER_FAILURES: '10000',
    SUBSCRIPTION_RETRY_BASE_MS: '200',
    SUBSCRIPTION_RETRY_MAX_MS: '1000',
  });
  const api: INestApplicationContext = await NestFactory.createApplicationContext(ApiModule, {
    logger: false,
  });
  await api.init();
  const worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
  await worker.init();
  const dataSource = api.get(DataSource);
  const intents = api.get(IntentService);
  const subscriptions = api.get(SubscriptionService);
  intents.registerObjectResolver('NEMO_WORKLOAD', async () => true);
  const receivers = new Receivers();
  const urls = await receivers.start();

  const ids: number[] = [];
  for (let i = 0; i < INTENTS; i++) {
    const created = await intents.create(PRINCIPAL, {
      user_label: 'DeliverComputingWorkload',
      intent_expectations: [
        {
          expectation_verb: 'ENSURE',
          expectation_object: {
            object_type: 'NEMO_WORKLOAD',
            object_instance: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          },
          expectation_targets: [
            { target_name: 'cpuUsage', target_condition: 'IS_LESS_THAN', target_value_range: 20 },
          ],
        },
      ],
    } as Parameters<IntentService['create']>[1]);
    ids.push(created.id);
  }

  async function round(withDead: boolean): Promise<RoundResult> {
    await dataSource.query('TRUNCATE webhook_subscription CASCADE');
    receivers.reset();
    for (const url of withDead ? urls : urls.slice(0, LIVE))
      await subscriptions.create(PRINCIPAL, { callback_url: url, events: ['intent.changed'] });
    const start = Date.now();
    let next = 0;
    const writer = async (): Promise<void> => {
      while (next < CHANGES) {
        const n = next++;
        await intents.update(PRINCIPAL, ids[n % ids.length], {
          observation_period: 60 + (n % 600),
        });
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, writer));
    const written = Date.now();
    await waitFor(() => receivers.arrivals.length >= CHANGES * LIVE, 300000);
    const last = Math.max(...receivers.arrivals.map((a) => a.at));
    const delays = receivers.arrivals.map((a) => a.delayMs);
    return {
      deliveriesPerSecond: (CHANGES * LIVE) / ((last - start) / 1000),
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      changesPerSecond: CHANGES / ((written - start) / 1000),
    };
  }

  await round(false);
  const alone: RoundResult[] = [];
  const beside: RoundResult[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    alone.push(await round(false));
    beside.push(await round(true));
  }
  const [{ pending }] = (await dataSource.query(
    `SELECT count(*)::int AS pending FROM webhook_delivery`,
  )) as Array<{ pending: number }>;
  await receivers.stop();
  await worker.close();
  await api.close();

  const summary = (results: RoundResult[]) => ({
    deliveries_per_second: Math.round(median(results.map((r) => r.deliveriesPerSecond))),
    delay_ms_p50: Math.round(median(results.map((r) => r.p50))),
    delay_ms_p99: Math.round(median(results.map((r) => r.p99))),
    changes_per_second: Math.round(median(results.map((r) => r.changesPerSecond))),
  });
  const without = summary(alone);
  const withDead = summary(beside);
  const throughputRatio = Number(
    (withDead.deliveries_per_second / without.deliveries_per_second).toFixed(3),
  );
  const p99Ratio = Number((withDead.delay_ms_p99 / Math.max(1, without.delay_ms_p99)).toFixed(3));
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'webhooks',
      changes_per_round: CHANGES,
      live_subscribers: LIVE,
      rounds: ROUNDS,
      dead_subscriber: `accepts connections, never answers (timeout ${DEAD_TIMEOUT_MS} ms, never paused)`,
      live_without_dead: without,
      live_beside_dead: withDead,
      throughput_ratio_beside_vs_without: throughputRatio,
      p99_delay_ratio_beside_vs_without: p99Ratio,
      dead_subscriber_undelivered_at_end: pending,
      samples: {
        without: alone.map((r) => ({
          deliveries_per_second: Math.round(r.deliveriesPerSecond),
          p99_ms: Math.round(r.p99),
        })),
        beside: beside.map((r) => ({
          deliveries_per_second: Math.round(r.deliveriesPerSecond),
          p99_ms: Math.round(r.p99),
        })),
      },
    })}\n`,
  );
}

runBench(main);
