/**
 * Render benchmark (issue 7), two parts, each side by side in one process, alternating, after a
 * warm-up, median of the rounds; prints one JSON object. `npm run bench:render` (services running).
 *
 * 1. `render`: ManifestRenderer (helm template or the render cache, + YAML parse), cold (one helm
 *    process per render: the floor without a cache) against cached (same chart digest, values,
 *    release and namespace). Says so: a private path, to show what the cache buys.
 * 2. `instance_creation`: what a user feels, `POST /api/v1/workloads/{id}/instances` end to end
 *    (render, image rewrite, ingress, transaction with the outbox event) against two api instances
 *    that differ only in RENDER_CACHE_ENABLED, with a warm chart cache (the package is local).
 *    Releases are re-created (create → DELETE → report deleted → create again), which is when a
 *    render repeats; only the POST is timed. Target: p50 ≤ 150 ms including helm template.
 *    BENCH_SKIP_HTTP=1 runs part 1 only (no database, broker, registry needed).
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
import { ConfigSlices } from '../src/config/config-slices';
import { loadConfig } from '../src/config/load-config';
import { HelmRepoService } from '../src/helm-repo/helm-repo.service';
import { HelmCli } from '../src/infra/helm/helm.cli';
import { ManifestRenderer, RenderInput } from '../src/instance/rendering/manifest-renderer';
import { RenderCache } from '../src/instance/rendering/render-cache';
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

const RENDERS = Number(process.env.BENCH_RENDERS ?? 40);
const CREATIONS = Number(process.env.BENCH_CREATIONS ?? 24);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SLOTS = 8;
const TARGET_P50_MS = 150;

const run = promisify(execFile);
const round1 = (value: number): number => Number(value.toFixed(1));

/** A small but realistic chart: Deployment, Service with ingress annotations, ConfigMap, helpers. */
const CHART_FILES: Record<string, string> = {
  'Chart.yaml': 'apiVersion: v2\nname: bench-web\nversion: 1.0.0\ntype: application\n',
  'values.yaml': 'replicaCount: 1\nimage: IMAGE\nport: 8080\nconfig: {}\n',
  'templates/_helpers.tpl':
    '{{- define "web.labels" -}}\napp.kubernetes.io/name: {{ .Chart.Name }}\napp.kubernetes.io/instance: {{ .Release.Name }}\n{{- end }}\n',
  'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  labels: {{- include "web.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {{- include "web.labels" . | nindent 6 }}
  template:
    metadata:
      labels: {{- include "web.labels" . | nindent 8 }}
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
  selector: {{- include "web.labels" . | nindent 4 }}
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
};

async function packageChart(
  dir: string,
  helmBin: string,
  version: string,
  image: string,
): Promise<string> {
  const source = join(dir, `bench-web-${version}`, 'bench-web');
  for (const [path, content] of Object.entries(CHART_FILES)) {
    await mkdir(join(source, path, '..'), { recursive: true });
    await writeFile(
      join(source, path),
      content.replace('version: 1.0.0', `version: ${version}`).replace('IMAGE', image),
    );
  }
  await run(helmBin, ['package', source, '--destination', dir]);
  return join(dir, `bench-web-${version}.tgz`);
}

const slotValues = (slot: number) => ({ replicaCount: 1 + slot, config: { slot: String(slot) } });

function renderer(config: ConfigSlices, chartPath: string): ManifestRenderer {
  const repository = { fetchChart: async () => chartPath } as unknown as HelmRepoService;
  return new ManifestRenderer(
    new HelmCli(config.helm, config.workDir),
    repository,
    new RenderCache(config.render, config.workDir),
    config.render,
  );
}

interface Sample {
  latencies: number[];
  rendersPerSecond: number;
}

async function measure(target: ManifestRenderer, inputs: RenderInput[]): Promise<Sample> {
  const latencies: number[] = [];
  const start = performance.now();
  for (const input of inputs) {
    const begin = performance.now();
    await target.render({ name: 'bench-web', version: '1.0.0', deterministic: true }, input);
    latencies.push(performance.now() - begin);
  }
  return { latencies, rendersPerSecond: inputs.length / ((performance.now() - start) / 1000) };
}

interface Summary {
  p50_ms: number;
  p99_ms: number;
  per_second: number;
}

/** Median over rounds of each round's p50, p99 and rate. */
function summarize(rounds: Sample[]): Summary {
  return {
    p50_ms: round1(median(rounds.map((sample) => percentile(sample.latencies, 50)))),
    p99_ms: round1(median(rounds.map((sample) => percentile(sample.latencies, 99)))),
    per_second: round1(median(rounds.map((sample) => sample.rendersPerSecond))),
  };
}

function comparison(cold: Sample[], cached: Sample[]) {
  const coldSummary = summarize(cold);
  const cachedSummary = summarize(cached);
  return {
    cold: coldSummary,
    cached: cachedSummary,
    ratio_p50_cold_over_cached: round1(coldSummary.p50_ms / cachedSummary.p50_ms),
    ratio_rate_cached_over_cold: round1(cachedSummary.per_second / coldSummary.per_second),
  };
}

async function renderPart(dir: string) {
  const base = { ...process.env, AUTH_MODE: 'dev', WORK_DIR: join(dir, 'work') };
  const cachedConfig = loadConfig({ ...base, RENDER_CACHE_DIR: join(dir, 'cache') });
  const coldConfig = loadConfig({ ...base, RENDER_CACHE_ENABLED: 'false' });
  const chartPath = await packageChart(
    dir,
    cachedConfig.helm.HELM_BIN,
    '1.0.0',
    'registry.invalid/bench/web:1.0',
  );
  const cold = renderer(coldConfig, chartPath);
  const cached = renderer(cachedConfig, chartPath);
  // Distinct releases and values, each rendered repeatedly: what re-creating instances looks like.
  const inputs: RenderInput[] = Array.from({ length: RENDERS }, (_, index) => ({
    releaseName: `bench-${index % SLOTS}`,
    namespace: 'bench',
    values: slotValues(index % SLOTS),
  }));
  await measure(cold, inputs.slice(0, 4));
  await measure(cached, inputs);
  const coldRounds: Sample[] = [];
  const cachedRounds: Sample[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    coldRounds.push(await measure(cold, inputs));
    cachedRounds.push(await measure(cached, inputs));
  }
  return {
    measures:
      'ManifestRenderer.render: helm template or the render cache, + YAML parse; sequential',
    renders_per_round: RENDERS,
    ...comparison(coldRounds, cachedRounds),
  };
}

/** The api role with `env` applied to the process first (each side of the comparison its own). */
async function startApiWith(env: Record<string, string>): Promise<BenchApi> {
  Object.assign(process.env, env);
  return startBenchApi();
}

/** Creates each slot's release (timed), then deletes it and reports it deleted so it can return. */
async function creations(
  api: BenchApi,
  workloadId: number,
  prefix: string,
  count: number,
): Promise<Sample> {
  const latencies: number[] = [];
  for (let index = 0; index < count; index++) {
    const slot = index % SLOTS;
    const begin = performance.now();
    const instance = await call(api, 'POST', `/workloads/${workloadId}/instances`, {
      release_name: `${prefix}-${slot}`,
      namespace: 'bench',
      values: slotValues(slot),
      ingress_enabled: true,
    });
    latencies.push(performance.now() - begin);
    await call(api, 'DELETE', `/instances/${String(instance.instance_id)}`);
    await call(api, 'PUT', `/instances/${String(instance.instance_id)}/status`, {
      status: 'deleted',
    });
  }
  const seconds = latencies.reduce((sum, latency) => sum + latency, 0) / 1000;
  return { latencies, rendersPerSecond: count / seconds };
}

async function instanceCreationPart(dir: string) {
  const env = await prepareBenchServices('render');
  const image = await pushTestImage(
    process.env.REGISTRY_HOST ?? '',
    'bench-render/web',
    `r${Date.now()}`,
  );
  const version = `1.0.0-r${Date.now()}`;
  const chartPath = await packageChart(
    dir,
    process.env.HELM_BIN ?? 'helm',
    version,
    image.reference,
  );
  const common = {
    ...env,
    WORK_DIR: join(dir, 'http'),
    AUTH_DEV_TOKEN_FILE: join(dir, 'dev-token'),
  };
  const saved = { ...process.env };
  const started: INestApplicationContext[] = [];
  try {
    Object.assign(process.env, common);
    const worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    started.push(worker);
    const cold = await startApiWith({ ...common, RENDER_CACHE_ENABLED: 'false' });
    started.push(cold.app);
    const cached = await startApiWith({
      ...common,
      RENDER_CACHE_ENABLED: 'true',
      RENDER_CACHE_DIR: join(dir, 'http-cache'),
    });
    started.push(cached.app);
    const workloadId = await onboardChart(cold, chartPath, 'bench-web', version);
    await creations(cold, workloadId, 'cold', SLOTS);
    await creations(cached, workloadId, 'warm', SLOTS);
    const coldRounds: Sample[] = [];
    const cachedRounds: Sample[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      coldRounds.push(await creations(cold, workloadId, 'cold', CREATIONS));
      cachedRounds.push(await creations(cached, workloadId, 'warm', CREATIONS));
    }
    const result = comparison(coldRounds, cachedRounds);
    return {
      measures:
        'POST /api/v1/workloads/{id}/instances over HTTP (render, image rewrite, ingress, transaction + run event); ' +
        'sequential; per_second = creations per second of POST time',
      creations_per_round: CREATIONS,
      ...result,
      target_p50_ms: TARGET_P50_MS,
      meets_target: result.cold.p50_ms <= TARGET_P50_MS,
    };
  } finally {
    for (const app of started.reverse()) await app.close();
    process.env = saved;
  }
}

async function main(): Promise<void> {
  Logger.overrideLogger(false);
  const dir = await mkdtemp(join(tmpdir(), 'bench-render-'));
  try {
    const render = await renderPart(dir);
    const instanceCreation = process.env.BENCH_SKIP_HTTP ? null : await instanceCreationPart(dir);
    process.stdout.write(
      `${JSON.stringify({ benchmark: 'instance-render', rounds: ROUNDS, render, instance_creation: instanceCreation })}\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

runBench(main);
