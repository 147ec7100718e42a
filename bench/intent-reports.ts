/**
 * Intent report history benchmark (issue 17), end to end over HTTP against the real api and
 * PostgreSQL; prints one JSON object. `npm run bench:intent-reports` (services running).
 *
 * One intent (observation period 3600 s, so every report stays in its window) receives
 * BENCH_REPORTS (10,000) `PUT /intents/{id}/report`, one at a time, each a new value of its target,
 * a tenth of them missing the condition. The p50 of the first 1,000 is compared with the p50 of
 * the last 1,000: judging the window and keeping the history must not grow with the history.
 * Target: ratio last / first ≤ 1.3. Beside it, the first page of `GET /intents/{id}/reports`.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { WorkloadInstance } from '../src/instance/entities/workload-instance.entity';
import { BenchApi, call, percentile, prepareBenchServices, startBenchApi } from './support';
import { runBench } from './processes';

const REPORTS = Number(process.env.BENCH_REPORTS ?? 10_000);
const SAMPLE = Math.min(1000, Math.floor(REPORTS / 2));
const LISTINGS = 50;
const FLAT_TARGET = 1.3;

const round2 = (value: number): number => Number(value.toFixed(2));

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** A document (POST) and a live instance of it (stored as the orchestrator would leave it). */
async function seedInstance(api: BenchApi): Promise<string> {
  const document = await call(api, 'POST', '/workloads', {
    name: 'bench-intent-reports',
    version: `1.0.0-r${Date.now()}`,
    type: 'chart',
  });
  const instance = await api.app
    .get(DataSource)
    .getRepository(WorkloadInstance)
    .save({
      instanceId: randomUUID(),
      workloadDocumentId: Number(document.id),
      releaseName: `bench-${Date.now()}`,
      namespace: null,
      values: {},
      ingressEnabled: false,
      status: 'deployed',
      statusReason: null,
      clusterName: null,
      manifests: [],
      exposedUrls: [],
      owner: 'dev-user',
      tenant: 'dev',
    });
  return instance.instanceId;
}

async function measure(api: BenchApi): Promise<Record<string, unknown>> {
  const objectInstance = await seedInstance(api);
  const intent = await call(api, 'POST', '/intents', {
    user_label: 'DeliverComputingWorkload',
    observation_period: 3600,
    intent_expectations: [
      {
        expectation_verb: 'ENSURE',
        expectation_object: { object_type: 'NEMO_WORKLOAD', object_instance: objectInstance },
        expectation_targets: [
          { target_name: 'cpuUsage', target_condition: 'IS_LESS_THAN', target_value_range: 20 },
        ],
      },
    ],
  });
  const expectations = intent.intent_expectations as Array<{
    expectation_targets: Array<{ id: number }>;
  }>;
  const target = expectations[0].expectation_targets[0].id;
  const times: number[] = [];
  for (let i = 0; i < REPORTS; i++) {
    const value = i % 10 === 0 ? 50 : i % 20;
    times.push(
      await timed(() =>
        call(api, 'PUT', `/intents/${String(intent.id)}/report`, [
          { target, target_achieved_value: value },
        ]),
      ),
    );
  }
  const first = percentile(times.slice(0, SAMPLE), 50);
  const last = percentile(times.slice(-SAMPLE), 50);
  const listing: number[] = [];
  for (let i = 0; i < LISTINGS; i++)
    listing.push(
      await timed(() => call(api, 'GET', `/intents/${String(intent.id)}/reports?limit=50`)),
    );
  return {
    reports: REPORTS,
    sample: SAMPLE,
    first_p50_ms: round2(first),
    last_p50_ms: round2(last),
    ratio_last_over_first: round2(last / first),
    target_ratio: FLAT_TARGET,
    flat: last / first <= FLAT_TARGET,
    history_first_page_p50_ms: round2(percentile(listing, 50)),
  };
}

async function main(): Promise<void> {
  Logger.overrideLogger(false);
  const dir = await mkdtemp(join(tmpdir(), 'bench-intent-reports-'));
  const saved = { ...process.env };
  let api: BenchApi | undefined;
  try {
    Object.assign(process.env, {
      ...(await prepareBenchServices('intentreports')),
      AUTH_DEV_TOKEN_FILE: join(dir, 'dev-token'),
    });
    api = await startBenchApi();
    const result = await measure(api);
    process.stdout.write(`${JSON.stringify({ benchmark: 'intent-reports', ...result })}\n`);
  } finally {
    await api?.app.close();
    process.env = saved;
    await rm(dir, { recursive: true, force: true });
  }
}

runBench(main);
