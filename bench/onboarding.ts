/**
 * Onboarding benchmark (issue 6), side by side in one process, alternating, after a warm-up, median
 * of the rounds; prints one JSON object. `npm run bench:onboarding` (services from scripts/services.sh).
 *
 * A chart with BENCH_IMAGES (8) images of ≈ BENCH_LAYER_BYTES (3 MiB) each is onboarded:
 * - ours: what a user feels, end to end through the API: POST /workloads, POST …/upload, then GET
 *   until `accepted` (archive checks, helm lint + template, mirroring with digest checks in
 *   parallel, publishing to the S3 Helm repository, outbox events);
 * - naive: the pipeline the seed README implies: `skopeo copy` of each image one after the other,
 *   then the package PUT to S3 and index.yaml read, changed and written back (no validation).
 * Three cases: `cold` (images not yet in the NEMO registry), `reonboarding` (a new chart version
 * whose images are already mirrored) and `reonboarding_identical` (the same package onboarded again
 * after its document was deleted: images mirrored, the helm verdict reusable). `mirror_step` isolates the mirroring of already-mirrored
 * images: our digest check (HTTP HEADs, no process) against a skopeo copy per image.
 * Both registries sit behind a proxy adding BENCH_RTT_MS (40 ms) per request and a bandwidth cap
 * of BENCH_BANDWIDTH_MBPS (200 Mbit/s), for both sides alike: on bare loopback copying is CPU-bound
 * and hides what parallel mirroring and digest checks buy against a remote registry.
 */
import 'reflect-metadata';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WorkerModule } from '../src/app.module';
import {
  addEntry,
  buildEntry,
  emptyIndex,
  parseIndex,
  serializeIndex,
} from '../src/helm-repo/helm-index';
import { ImageMirrorService } from '../src/workload/jobs/image-mirror.service';
import { sha256, tgz } from '../test/support/charts';
import { pushTestImage } from '../test/support/oci-image';
import { BenchApi, median, prepareBenchServices, startBenchApi } from './support';
import { DelayProxy, startDelayProxy } from './onboarding-proxy';
import { runBench } from './processes';

const IMAGES = Number(process.env.BENCH_IMAGES ?? 8);
const LAYER_BYTES = Number(process.env.BENCH_LAYER_BYTES ?? 3 * 1024 * 1024);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RTT_MS = Number(process.env.BENCH_RTT_MS ?? 40);
const BYTES_PER_SECOND = (Number(process.env.BENCH_BANDWIDTH_MBPS ?? 200) * 1_000_000) / 8;
const BENCH_VHOST = 'nemo-bench-onboarding';
const BENCH_BUCKET = 'nemo-bench-onboarding';
const REGISTRY = process.env.REGISTRY_HOST ?? '127.0.0.1:55000';
const SKOPEO = process.env.SKOPEO_BIN ?? 'skopeo';

const run = promisify(execFile);
const ratio = (ours: number, naive: number): number => Number((ours / naive).toFixed(3));

/** The benchmark's own database, vhost, bucket and queue prefix; no upload left from a last run. */
async function prepareEnvironment(): Promise<Record<string, string>> {
  const services = await prepareBenchServices('onboarding');
  await purgeUploadQueue();
  return { ...services, REGISTRY_TLS_VERIFY: 'false', MIRROR_PARALLELISM: String(IMAGES) };
}

async function purgeUploadQueue(): Promise<void> {
  const ctl = process.env.NEMO_RABBITMQ_CTL ?? '';
  const list = ['ctl', 'list_queues', '-p', BENCH_VHOST, 'name', '--quiet', '--no-table-headers'];
  const { stdout } = await run(ctl, list);
  if (stdout.split('\n').some((queue) => queue.trim() === 'upload'))
    await run(ctl, ['ctl', 'purge_queue', '-p', BENCH_VHOST, 'upload']);
}

function s3Client(): S3Client {
  return new S3Client({
    endpoint: process.env.AWS_ENDPOINT,
    region: process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: true,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
    },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** A chart whose one Deployment runs every image. */
function benchChart(name: string, version: string, images: string[]): Buffer {
  const template = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: {{ .Release.Name }}',
    'spec:',
    '  selector:',
    '    matchLabels: { app: bench }',
    '  template:',
    '    metadata:',
    '      labels: { app: bench }',
    '    spec:',
    '      containers:',
    '      {{- range $i, $image := .Values.images }}',
    '        - name: c{{ $i }}',
    '          image: {{ $image | quote }}',
    '      {{- end }}',
    '',
  ].join('\n');
  return tgz([
    {
      path: `${name}/Chart.yaml`,
      content: `apiVersion: v2\nname: ${name}\nversion: ${version}\ndescription: bench\nicon: https://nemo.eu/icon.png\n`,
    },
    {
      path: `${name}/values.yaml`,
      content: `images:\n${images.map((image) => `  - ${image}`).join('\n')}\n`,
    },
    { path: `${name}/templates/deployment.yaml`, content: template },
  ]);
}

/** Pushes `count` distinct images straight to the registry; answers them as seen through `source`. */
async function pushImages(set: string, source: DelayProxy): Promise<string[]> {
  const pushed: string[] = [];
  for (let i = 0; i < IMAGES; i++) {
    const image = await pushTestImage(REGISTRY, `bench-src/${set}/img-${i}`, '1.0', {
      layerBytes: LAYER_BYTES,
    });
    pushed.push(image.reference.replace(REGISTRY, source.host));
  }
  return pushed;
}

/** Ours, as a user feels it: register, upload, wait for `accepted`. Answers milliseconds. */
async function onboardThroughApi(
  api: BenchApi,
  name: string,
  version: string,
  chart: Buffer,
): Promise<number> {
  return (await onboardDocument(api, name, version, chart)).ms;
}

async function onboardDocument(
  api: BenchApi,
  name: string,
  version: string,
  chart: Buffer,
): Promise<{ ms: number; id: number }> {
  const start = performance.now();
  const created = await fetch(`${api.base}/workloads`, {
    method: 'POST',
    headers: { Authorization: api.authorization, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, version, type: 'chart' }),
  });
  const { id } = (await created.json()) as { id: number };
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(chart)]), `${name}-${version}.tgz`);
  const uploaded = await fetch(`${api.base}/workloads/${id}/upload`, {
    method: 'POST',
    headers: { Authorization: api.authorization },
    body: form,
  });
  if (uploaded.status !== 202)
    throw new Error(`upload answered ${uploaded.status}: ${await uploaded.text()}`);
  for (;;) {
    const answer = await fetch(`${api.base}/workloads/${id}`, {
      headers: { Authorization: api.authorization },
    });
    const body = (await answer.json()) as { status: string; rejection_reason: string | null };
    if (body.status === 'accepted') return { ms: performance.now() - start, id };
    if (body.status === 'rejected')
      throw new Error(`${name} ${version} rejected: ${body.rejection_reason}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function deleteDocument(api: BenchApi, id: number): Promise<void> {
  const answer = await fetch(`${api.base}/workloads/${id}`, {
    method: 'DELETE',
    headers: { Authorization: api.authorization },
  });
  if (!answer.ok) throw new Error(`delete answered ${answer.status}: ${await answer.text()}`);
}

/** `skopeo copy` of each image, one after the other, as the seed's scripts did. */
async function copyEach(images: string[], nemo: DelayProxy, path: string): Promise<void> {
  for (const image of images) {
    const repository = image.slice(image.indexOf('/') + 1);
    await run(SKOPEO, [
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${image}`,
      `docker://${nemo.host}/${path}/${repository}`,
    ]);
  }
}

/** The naive pipeline: copy each image, upload the package, read-change-write index.yaml. */
async function naivePipeline(
  s3: S3Client,
  nemo: DelayProxy,
  images: string[],
  name: string,
  version: string,
  chart: Buffer,
): Promise<number> {
  const start = performance.now();
  await copyEach(images, nemo, 'naive');
  const file = `${name}-${version}.tgz`;
  await s3.send(new PutObjectCommand({ Bucket: BENCH_BUCKET, Key: `naive/${file}`, Body: chart }));
  const current = await s3
    .send(new GetObjectCommand({ Bucket: BENCH_BUCKET, Key: 'naive/index.yaml' }))
    .then(async (answer) => parseIndex((await answer.Body?.transformToString()) ?? ''))
    .catch(() => emptyIndex(new Date()));
  addEntry(
    current,
    buildEntry(
      { apiVersion: 'v2', name, version },
      { digest: sha256(chart), url: file, created: new Date() },
    ),
    new Date(),
  );
  await s3.send(
    new PutObjectCommand({
      Bucket: BENCH_BUCKET,
      Key: 'naive/index.yaml',
      Body: serializeIndex(current),
    }),
  );
  return performance.now() - start;
}

async function main(): Promise<void> {
  const env = await prepareEnvironment();
  const source = await startDelayProxy(REGISTRY, RTT_MS, BYTES_PER_SECOND);
  const nemo = await startDelayProxy(REGISTRY, RTT_MS, BYTES_PER_SECOND);
  const work = await mkdtemp(join(tmpdir(), 'nemo-bench-onboarding-'));
  const runId = randomUUID().slice(0, 8);
  Object.assign(process.env, env, {
    REGISTRY_HOST: nemo.host,
    // The source registry is a loopback proxy: an address the egress policy refuses by default.
    IMAGE_SOURCE_ALLOW_PRIVATE: source.host,
    REGISTRY_MIRROR_PATH: `mirror-${runId}`,
    HELM_REPOSITORY_BUCKET: `s3://${BENCH_BUCKET}/${runId}/charts`,
    AUTH_DEV_TOKEN_FILE: join(work, 'dev-token'),
  });
  process.env.WORK_DIR = join(work, 'api');
  const api = await startBenchApi();
  process.env.WORK_DIR = join(work, 'worker');
  const worker: INestApplicationContext = await NestFactory.createApplicationContext(WorkerModule, {
    logger: false,
  });
  await worker.init();
  const s3 = s3Client();

  // Warm-up: the images of the re-onboarding case mirrored once by each side, processes and caches warm.
  const warm = await pushImages(`${runId}-warm`, source);
  const identicalPackage = benchChart('bench-same', '1.0.0', warm);
  let identicalId = (await onboardDocument(api, 'bench-same', '1.0.0', identicalPackage)).id;
  await onboardThroughApi(api, 'bench-warm', '1.0.0', benchChart('bench-warm', '1.0.0', warm));
  await naivePipeline(
    s3,
    nemo,
    warm,
    'bench-warm',
    '1.0.0',
    benchChart('bench-warm', '1.0.0', warm),
  );

  const samples = {
    reonboarding: { ours: [] as number[], naive: [] as number[] },
    reonboarding_identical: { ours: [] as number[], naive: [] as number[] },
    cold: { ours: [] as number[], naive: [] as number[] },
  };
  const mirrorStep = { ours: [] as number[], naive: [] as number[] };
  const mirror = worker.get(ImageMirrorService);
  for (let round = 0; round < ROUNDS; round++) {
    const version = `1.1.${round}`;
    const oursFirst = round % 2 === 0;
    const ours = () =>
      onboardThroughApi(api, 'bench-warm', version, benchChart('bench-warm', version, warm));
    const naive = () =>
      naivePipeline(s3, nemo, warm, 'bench-warm', version, benchChart('bench-warm', version, warm));
    for (const side of oursFirst ? ['ours', 'naive'] : ['naive', 'ours']) {
      samples.reonboarding[side as 'ours' | 'naive'].push(
        side === 'ours' ? await ours() : await naive(),
      );
    }

    // The same package again (deleted and registered anew): validation verdict reused.
    await deleteDocument(api, identicalId);
    const identical = {
      ours: async () => {
        const run = await onboardDocument(api, 'bench-same', '1.0.0', identicalPackage);
        identicalId = run.id;
        return run.ms;
      },
      naive: () => naivePipeline(s3, nemo, warm, 'bench-same', '1.0.0', identicalPackage),
    };
    for (const side of oursFirst ? (['ours', 'naive'] as const) : (['naive', 'ours'] as const)) {
      samples.reonboarding_identical[side].push(await identical[side]());
    }

    let start = performance.now();
    await mirror.plan().mirror(warm);
    mirrorStep.ours.push(performance.now() - start);
    start = performance.now();
    await copyEach(warm, nemo, 'naive');
    mirrorStep.naive.push(performance.now() - start);

    const coldOurs = await pushImages(`${runId}-cold-ours-${round}`, source);
    const coldNaive = await pushImages(`${runId}-cold-naive-${round}`, source);
    const coldVersion = `2.0.${round}`;
    const coldRuns = {
      ours: () =>
        onboardThroughApi(
          api,
          'bench-cold',
          coldVersion,
          benchChart('bench-cold', coldVersion, coldOurs),
        ),
      naive: () =>
        naivePipeline(
          s3,
          nemo,
          coldNaive,
          'bench-cold',
          coldVersion,
          benchChart('bench-cold', coldVersion, coldNaive),
        ),
    };
    for (const side of oursFirst ? (['naive', 'ours'] as const) : (['ours', 'naive'] as const)) {
      samples.cold[side].push(await coldRuns[side]());
    }
  }

  await worker.close();
  await api.app.close();
  s3.destroy();
  await source.close();
  await nemo.close();
  await rm(work, { recursive: true, force: true });

  const summary = (pair: { ours: number[]; naive: number[] }, target: number) => {
    const ours = Math.round(median(pair.ours));
    const naive = Math.round(median(pair.naive));
    return {
      ours_ms: ours,
      naive_ms: naive,
      ratio: ratio(ours, naive),
      target_ratio: target,
      meets_target: ours / naive <= target,
      samples: { ours: pair.ours.map(Math.round), naive: pair.naive.map(Math.round) },
    };
  };
  process.stdout.write(
    `${JSON.stringify({
      benchmark: 'onboarding',
      images: IMAGES,
      layer_bytes: LAYER_BYTES,
      rounds: ROUNDS,
      network: {
        rtt_ms_per_request: RTT_MS,
        bytes_per_second: BYTES_PER_SECOND,
        applied_to: 'source and NEMO registry alike',
      },
      reonboarding: summary(samples.reonboarding, 0.1),
      reonboarding_identical: summary(samples.reonboarding_identical, 0.1),
      cold: summary(samples.cold, 1 / 3),
      mirror_step_reonboarding: {
        digest_check_ms: Math.round(median(mirrorStep.ours)),
        skopeo_copy_each_ms: Math.round(median(mirrorStep.naive)),
        ratio: ratio(median(mirrorStep.ours), median(mirrorStep.naive)),
        samples: {
          digest_check: mirrorStep.ours.map(Math.round),
          skopeo_copy_each: mirrorStep.naive.map(Math.round),
        },
      },
      note: 'ours = HTTP API end to end incl. archive checks, helm lint + template, events; naive = skopeo copy each + S3 upload + index, no validation',
    })}\n`,
  );
}

runBench(main);
