import { dump, load } from 'js-yaml';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';

/** Chart fixture folders (test/fixtures/charts/<name>). */
export const CHART_FIXTURES = join(__dirname, '..', 'fixtures', 'charts');

/** One entry of a hand-made tar archive: anything tar can express, including what we must refuse. */
export interface TarEntrySpec {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'FIFO';
  content?: string | Buffer;
  linkpath?: string;
  mode?: number;
}

const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');

/** A tar stream, byte by byte as written: paths are NOT sanitized (malicious archives need that). */
export function tarball(entries: TarEntrySpec[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? 'File';
    const body = type === 'File' ? Buffer.from(entry.content ?? '') : Buffer.alloc(0);
    const header = new Header({
      path: entry.path,
      type,
      size: body.length,
      mode: entry.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      mtime: FIXED_MTIME,
      uid: 0,
      gid: 0,
      linkpath: entry.linkpath,
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export function tgz(entries: TarEntrySpec[]): Buffer {
  return gzipSync(tarball(entries));
}

export interface PackOptions {
  /** Chart.yaml name and the top-level folder (defaults to the fixture's). */
  name?: string;
  version?: string;
  /** Merged over values.yaml. */
  values?: Record<string, unknown>;
  /** Extra or replaced files, relative to the chart folder. */
  files?: Record<string, string>;
  /** Chart.yaml fields merged over the fixture's. */
  chart?: Record<string, unknown>;
}

/** Packages a fixture chart folder like `helm package` does: one top folder named after the chart. */
export function packChart(fixture: string, options: PackOptions = {}): Buffer {
  const dir = join(CHART_FIXTURES, fixture);
  const files = new Map<string, string>();
  for (const file of walk(dir)) files.set(relative(dir, file), readFileSync(file, 'utf8'));
  const chart = {
    ...(load(files.get('Chart.yaml') ?? '') as Record<string, unknown>),
    ...options.chart,
  };
  if (options.name) chart.name = options.name;
  if (options.version) chart.version = options.version;
  files.set('Chart.yaml', dump(chart));
  if (options.values) {
    const values = (load(files.get('values.yaml') ?? '{}') as Record<string, unknown>) ?? {};
    files.set('values.yaml', dump(deepMerge(values, options.values)));
  }
  for (const [path, content] of Object.entries(options.files ?? {})) files.set(path, content);
  const root = String(chart.name);
  const sorted = [...files.keys()].sort();
  return tgz(sorted.map((path) => ({ path: `${root}/${path}`, content: files.get(path) })));
}

/** The good fixture with its three images (app, init container, CronJob) set. */
export function goodChart(
  images: { app: string; init: string; cron: string },
  options: PackOptions = {},
): Buffer {
  return packChart('good', { ...options, values: { ...options.values, images } });
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

function deepMerge(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = merged[key];
    merged[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A minimal chart `name` `version` whose one Deployment (label `app: <label>`) runs every image
 * in order, one container each (`c0`, `c1`, …).
 */
export function deploymentChart(
  chart: { name: string; version: string; description: string; label: string },
  images: string[],
): Buffer {
  const containers = images
    .map((image, i) => `        - name: c${i}\n          image: ${JSON.stringify(image)}\n`)
    .join('');
  const deployment =
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n' +
    `  selector:\n    matchLabels: { app: ${chart.label} }\n  template:\n    metadata:\n` +
    `      labels: { app: ${chart.label} }\n    spec:\n      containers:\n${containers}`;
  return tgz([
    {
      path: `${chart.name}/Chart.yaml`,
      content: `apiVersion: v2\nname: ${chart.name}\nversion: ${chart.version}\ndescription: ${chart.description}\nicon: https://nemo.eu/icon.png\n`,
    },
    { path: `${chart.name}/values.yaml`, content: '{}\n' },
    { path: `${chart.name}/templates/deployment.yaml`, content: deployment },
  ]);
}
