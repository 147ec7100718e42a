/**
 * Revisions benchmark (issue 16), end to end over HTTP against the real api, worker, helm,
 * PostgreSQL and broker; prints one JSON object. `npm run bench:revisions` (services running).
 *
 * 1. `upgrade_vs_create`: `PATCH /instances/{id}` (new values, so a cold helm render: the api runs
 *    with RENDER_CACHE_ENABLED=false) against `POST /workloads/{id}/instances` (cold as well),
 *    alternating one of each, after a warm-up, median over rounds. Target: PATCH p50 ≤ 1.3× POST's.
 * 2. `rollback`: `POST /instances/{id}/rollback` (no helm: a new revision with an earlier one's
 *    manifests, transaction + `run` event), alternating between two revisions. Target p50 ≤ 20 ms.
 *    Beside it the floor of an authenticated read, `GET /instances/{id}`.
 * 3. `revision_listing`: `GET /instances/{id}/revisions` (first page of 20, and page 25) for an
 *    instance with 10 revisions against one with 1,000: the list must stay flat.
 */
import 'reflect-metadata';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WorkerModule } from '../src/app.module';
import { pushTestImage } from '../test/support/oci-image';
import {
  BenchApi,
  call,
  median,
  onboardChart,
  percentile,
  prepareBenchServices,
  startBenchApi,
} from './support';
import { runBench } from './processes';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 16);
const ROLLBACKS = Number(process.env.BENCH_ROLLBACKS ?? 60);
const LISTINGS = Number(process.env.BENCH_LISTINGS ?? 60);
const LONG_HISTORY = Number(process.env.BENCH_LONG_HISTORY ?? 1000);
const SHORT_HISTORY = 10;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** BENCH_PARTS=rollback,listing runs only those parts. */
const PARTS = new Set((process.env.BENCH_PARTS ?? 'upgrade,rollback,listing').split(','));
const PATCH_OVER_POST_TARGET = 1.3;
const ROLLBACK_TARGET_P50_MS = 20;

const run = promisify(execFile);
const round1 = (value: number): number => Number(value.toFixed(1));
const round2 = (value: number): number => Number(value.toFixed(2));

/** A small realistic chart: Deployment, Service exposed through the ingress, ConfigMap, Secret. */
const CHART_FILES: Record<string, string> = {
  'values.yaml': 'replicaCount: 1\nimage: IMAGE\nport: 8080\nconfig: {}\npassword: changeme\n',
  'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
    spec:
      containers:
        - name: web
          image: {{ .Values.image | quote }}
          ports: [{containerPort: {{ .Values.port }}}]
`,
  'templates/service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-web
  annotations:
    nemo.eu/ingress-expose: "true"
spec:
  selector: {app: {{ .Release.Name }}}
  ports: [{name: http, port: 80, targetPort: {{ .Values.port }}}]
`,
  'templates/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
data:
{{- range $key, $value := .Values.config }}
  {{ $key }}: {{ $value | quote }}
{{- end }}
`,
  'templates/secret.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}-creds
data:
  password: {{ .Values.password | b64enc | quote }}
`,
};

async function packageChart(dir: string, version: string, image: string): Promise<string> {
  const source = join(dir, 'bench-rev');
  const files = {
    'Chart.yaml': `apiVersion: v2\nname: bench-rev\nversion: ${version}\ntype: application\n`,
    ...CHART_FILES,
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(source, path, '..'), { recursive: true });
    await writeFile(join(source, path), content.replace('IMAGE', image));
  }
  await run(process.env.HELM_BIN ?? 'helm', ['package', source, '--destination', dir]);
  return join(dir, `bench-rev-${version}.tgz`);
}

interface Summary {
  p50_ms: number;
  p99_ms: number;
}

/** Median over rounds of each round's p50 and p99. */
const overRounds = (rounds: number[][]): Summary => ({
  p50_ms: round1(median(rounds.map((latencies) => percentile(latencies, 50)))),
  p99_ms: round1(median(rounds.map((latencies) => percentile(latencies, 99)))),
});

async function timed(action: () => Promise<unknown>): Promise<number> {
  const begin = performance.now();
  await action();
  return performance.now() - begin;
}

const creationBody = (release: string, slot: number) => ({
  release_name: release,
  namespace: 'bench',
  values: { replicaCount: 1 + (slot % 5), config: { slot: String(slot) } },
  ingress_enabled: true,
});

/** One round: POST and PATCH alternating, each with values never rendered before (cold). */
async function upgradeRound(
  api: BenchApi,
  workloadId: number,
  instanceId: string,
  round: number,
  pairs: number,
): Promise<{ post: number[]; patch: number[] }> {
  const post: number[] = [];
  const patch: number[] = [];
  for (let index = 0; index < pairs; index++) {
    const slot = round * 1000 + index;
    post.push(
      await timed(() =>
        call(api, 'POST', `/workloads/${workloadId}/instances`, creationBody(`c-${slot}`, slot)),
      ),
    );
    patch.push(
      await timed(() =>
        call(api, 'PATCH', `/instances/${instanceId}`, {
          values: { replicaCount: 1 + (slot % 5), config: { slot: String(slot) } },
        }),
      ),
    );
  }
  return { post, patch };
}

async function upgradePart(api: BenchApi, workloadId: number) {
  const instance = await call(
    api,
    'POST',
    `/workloads/${workloadId}/instances`,
    creationBody('upgraded', -1),
  );
  const instanceId = String(instance.instance_id);
  await upgradeRound(api, workloadId, instanceId, 99, 3);
  const posts: number[][] = [];
  const patches: number[][] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { post, patch } = await upgradeRound(api, workloadId, instanceId, round, PAIRS);
    posts.push(post);
    patches.push(patch);
  }
  const post = overRounds(posts);
  const patch = overRounds(patches);
  const ratio = round2(patch.p50_ms / post.p50_ms);
  return {
    measures:
      'PATCH /instances/{id} (merge values, cold helm render, revision + run event) against POST ' +
      '/workloads/{id}/instances (cold helm render, instance + revision 1 + run event), alternating, sequential',
    pairs_per_round: PAIRS,
    post_create: post,
    patch_upgrade: patch,
    ratio_p50_patch_over_post: ratio,
    target_ratio: PATCH_OVER_POST_TARGET,
    meets_target: ratio <= PATCH_OVER_POST_TARGET,
  };
}

async function rollbackPart(api: BenchApi, workloadId: number) {
  const instance = await call(
    api,
    'POST',
    `/workloads/${workloadId}/instances`,
    creationBody('rolled', 1),
  );
  const instanceId = String(instance.instance_id);
  await call(api, 'PATCH', `/instances/${instanceId}`, { values: { replicaCount: 4 } });
  const rollbacks: number[][] = [];
  const reads: number[][] = [];
  let target = 1;
  for (let round = 0; round <= ROUNDS; round++) {
    const rollback: number[] = [];
    const read: number[] = [];
    for (let index = 0; index < ROLLBACKS; index++) {
      rollback.push(
        await timed(() =>
          call(api, 'POST', `/instances/${instanceId}/rollback`, { revision: target }),
        ),
      );
      target = target === 1 ? 2 : 1;
      read.push(await timed(() => call(api, 'GET', `/instances/${instanceId}`)));
    }
    // Round 0 is the warm-up.
    if (round > 0) {
      rollbacks.push(rollback);
      reads.push(read);
    }
  }
  const rollback = overRounds(rollbacks);
  return {
    measures:
      'POST /instances/{id}/rollback (no helm: lock, revision row, instance update, run event in one ' +
      'transaction), alternating targets; beside it GET /instances/{id} as the floor of an authenticated read',
    rollbacks_per_round: ROLLBACKS,
    rollback,
    get_instance: overRounds(reads),
    target_p50_ms: ROLLBACK_TARGET_P50_MS,
    meets_target: rollback.p50_ms <= ROLLBACK_TARGET_P50_MS,
  };
}

/** An instance with `count` revisions, made by rollbacks (no helm). */
async function instanceWithHistory(
  api: BenchApi,
  workloadId: number,
  release: string,
  count: number,
): Promise<string> {
  const instance = await call(
    api,
    'POST',
    `/workloads/${workloadId}/instances`,
    creationBody(release, 2),
  );
  const instanceId = String(instance.instance_id);
  await call(api, 'PATCH', `/instances/${instanceId}`, { values: { replicaCount: 3 } });
  for (let revision = 3, target = 1; revision <= count; revision++) {
    await call(api, 'POST', `/instances/${instanceId}/rollback`, { revision: target });
    target = target === 1 ? 2 : 1;
  }
  return instanceId;
}

async function listingPart(api: BenchApi, workloadId: number) {
  const short = await instanceWithHistory(api, workloadId, 'short-history', SHORT_HISTORY);
  const long = await instanceWithHistory(api, workloadId, 'long-history', LONG_HISTORY);
  const page = (instanceId: string, query: string) => () =>
    call(api, 'GET', `/instances/${instanceId}/revisions${query}`);
  const cases = {
    first_page: '?limit=20',
    page_25: '?limit=20&page=25',
  };
  const result: Record<string, unknown> = {};
  for (const [name, query] of Object.entries(cases)) {
    const shortRounds: number[][] = [];
    const longRounds: number[][] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      const shortLatencies: number[] = [];
      const longLatencies: number[] = [];
      for (let index = 0; index < LISTINGS; index++) {
        // The short history has no page 25: its first page is the reference.
        shortLatencies.push(await timed(page(short, cases.first_page)));
        longLatencies.push(await timed(page(long, query)));
      }
      if (round > 0) {
        shortRounds.push(shortLatencies);
        longRounds.push(longLatencies);
      }
    }
    const shortSummary = overRounds(shortRounds);
    const longSummary = overRounds(longRounds);
    result[name] = {
      [`revisions_${SHORT_HISTORY}`]: shortSummary,
      [`revisions_${LONG_HISTORY}`]: longSummary,
      ratio_p50_long_over_short: round2(longSummary.p50_ms / shortSummary.p50_ms),
    };
  }
  return {
    measures: `GET /instances/{id}/revisions (20 per page) with ${SHORT_HISTORY} and with ${LONG_HISTORY} revisions`,
    ...result,
  };
}

async function main(): Promise<void> {
  Logger.overrideLogger(false);
  const dir = await mkdtemp(join(tmpdir(), 'bench-revisions-'));
  const saved = { ...process.env };
  const started: INestApplicationContext[] = [];
  try {
    const env = {
      ...(await prepareBenchServices('revisions')),
      WORK_DIR: join(dir, 'work'),
      AUTH_DEV_TOKEN_FILE: join(dir, 'dev-token'),
      RENDER_CACHE_ENABLED: 'false',
    };
    Object.assign(process.env, env);
    const image = await pushTestImage(
      process.env.REGISTRY_HOST ?? '',
      'bench-revisions/web',
      `r${Date.now()}`,
    );
    const version = `1.0.0-r${Date.now()}`;
    const chartPath = await packageChart(dir, version, image.reference);
    started.push(await NestFactory.createApplicationContext(WorkerModule, { logger: false }));
    const api = await startBenchApi();
    started.push(api.app);
    const workloadId = await onboardChart(api, chartPath, 'bench-rev', version);
    const upgrade = PARTS.has('upgrade') ? await upgradePart(api, workloadId) : null;
    const rollback = PARTS.has('rollback') ? await rollbackPart(api, workloadId) : null;
    const listing = PARTS.has('listing') ? await listingPart(api, workloadId) : null;
    process.stdout.write(
      `${JSON.stringify({
        benchmark: 'instance-revisions',
        rounds: ROUNDS,
        upgrade_vs_create: upgrade,
        rollback,
        revision_listing: listing,
        summary: {
          patch_over_post_p50: upgrade?.ratio_p50_patch_over_post ?? null,
          rollback_p50_ms: rollback?.rollback.p50_ms ?? null,
        },
      })}\n`,
    );
  } finally {
    for (const app of started.reverse()) await app.close();
    process.env = saved;
    await rm(dir, { recursive: true, force: true });
  }
}

runBench(main);
