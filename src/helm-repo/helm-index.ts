import { CORE_SCHEMA, DEFAULT_SCHEMA, dump, load } from 'js-yaml';
import { rcompare, valid } from 'semver';

/** One chart version in index.yaml: Chart.yaml's metadata plus where and what the package is. */
export interface IndexEntry extends Record<string, unknown> {
  name: string;
  version: string;
  urls: string[];
  /** sha256 of the .tgz, hex (helm compares it with what it downloads). */
  digest: string;
  created: string;
}

/** index.yaml of a Helm repository; fields other tools wrote are kept as they are. */
export interface HelmIndex extends Record<string, unknown> {
  apiVersion: 'v1';
  entries: Record<string, IndexEntry[]>;
  generated: string;
}

export class IndexFormatError extends Error {}

/**
 * Chart.yaml fields helm copies into an index entry: helm's `chart.Metadata`, in its struct order
 * (the order encoding/json writes them, see helm-s3-metadata.ts).
 */
export const CHART_METADATA_FIELDS = [
  'name',
  'home',
  'sources',
  'version',
  'description',
  'keywords',
  'maintainers',
  'icon',
  'apiVersion',
  'condition',
  'tags',
  'appVersion',
  'deprecated',
  'annotations',
  'kubeVersion',
  'dependencies',
  'type',
] as const;

/**
 * Every chart's metadata lands in the one index.yaml all clients download, so its size is capped
 * per field (helm and helm-s3 set none, and truncating would change what `helm search` shows, so
 * oversized charts are refused instead): strings in bytes, lists in items and bytes per item.
 */
const MAX_STRING_BYTES: Record<string, number> = {
  description: 2048,
  home: 2048,
  icon: 2048,
  appVersion: 256,
  kubeVersion: 256,
  condition: 512,
  tags: 512,
  type: 64,
  apiVersion: 16,
};
const MAX_LIST: Record<string, { items: number; itemBytes: number }> = {
  keywords: { items: 50, itemBytes: 128 },
  sources: { items: 50, itemBytes: 2048 },
  maintainers: { items: 50, itemBytes: 1024 },
  dependencies: { items: 100, itemBytes: 2048 },
};
const MAX_ANNOTATIONS = 50;
const MAX_ANNOTATION_KEY_BYTES = 256;
const MAX_ANNOTATION_VALUE_BYTES = 8192;

/**
 * Why Chart.yaml's metadata is too large for the shared index (the field named), or undefined;
 * `maxEntryBytes` bounds the whole entry as written (HELM_INDEX_ENTRY_MAX_BYTES).
 */
export function indexMetadataProblem(
  metadata: Record<string, unknown>,
  maxEntryBytes: number,
): string | undefined {
  for (const [field, max] of Object.entries(MAX_STRING_BYTES)) {
    const size = metadata[field] === undefined ? 0 : bytesOf(metadata[field]);
    if (size > max) return tooLarge(field, size, max);
  }
  for (const [field, limit] of Object.entries(MAX_LIST)) {
    const problem = listProblem(field, metadata[field], limit);
    if (problem) return problem;
  }
  const problem = annotationsProblem(metadata.annotations);
  if (problem) return problem;
  const entry = buildEntry(metadata, { digest: '', url: '', created: new Date(0) });
  const size = Buffer.byteLength(
    serializeIndex({ ...emptyIndex(new Date(0)), entries: { x: [entry] } }),
  );
  return size > maxEntryBytes
    ? `Chart.yaml's metadata makes a ${size}-byte entry in the shared index.yaml; at most ${maxEntryBytes} bytes are allowed`
    : undefined;
}

function listProblem(
  field: string,
  value: unknown,
  limit: { items: number; itemBytes: number },
): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) return `Chart.yaml ${field} must be a list`;
  if (value.length > limit.items)
    return `Chart.yaml ${field} has ${value.length} items; at most ${limit.items} are allowed in the shared index.yaml`;
  const index = value.findIndex((item) => bytesOf(item) > limit.itemBytes);
  return index === -1
    ? undefined
    : tooLarge(`${field}[${index}]`, bytesOf(value[index]), limit.itemBytes);
}

function annotationsProblem(annotations: unknown): string | undefined {
  if (annotations === undefined || annotations === null) return undefined;
  if (!isObject(annotations)) return 'Chart.yaml annotations must be a mapping';
  const entries = Object.entries(annotations);
  if (entries.length > MAX_ANNOTATIONS)
    return `Chart.yaml annotations has ${entries.length} keys; at most ${MAX_ANNOTATIONS} are allowed in the shared index.yaml`;
  for (const [key, value] of entries) {
    const label = `annotations[${JSON.stringify(key.slice(0, 100))}]`;
    if (Buffer.byteLength(key) > MAX_ANNOTATION_KEY_BYTES)
      return `Chart.yaml ${label}: the key is longer than ${MAX_ANNOTATION_KEY_BYTES} bytes`;
    if (bytesOf(value) > MAX_ANNOTATION_VALUE_BYTES)
      return tooLarge(label, bytesOf(value), MAX_ANNOTATION_VALUE_BYTES);
  }
  return undefined;
}

function tooLarge(field: string, size: number, max: number): string {
  return `Chart.yaml ${field} is ${size} bytes; at most ${max} bytes are allowed in the shared index.yaml`;
}

function bytesOf(value: unknown): number {
  return Buffer.byteLength(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
}

export function emptyIndex(now: Date): HelmIndex {
  return { apiVersion: 'v1', entries: {}, generated: now.toISOString() };
}

/**
 * Reads index.yaml without YAML 1.1 surprises in either direction: timestamps stay strings (the
 * core schema has none), so `created` is written back exactly as it was read.
 */
export function parseIndex(text: string): HelmIndex {
  let document: unknown;
  try {
    document = load(text, { schema: CORE_SCHEMA });
  } catch (error) {
    throw new IndexFormatError(`index.yaml is not valid YAML: ${(error as Error).message}`);
  }
  if (!isObject(document)) throw new IndexFormatError('index.yaml is not a mapping');
  const entries = document.entries ?? {};
  if (!isObject(entries)) throw new IndexFormatError('index.yaml entries is not a mapping');
  for (const [name, versions] of Object.entries(entries)) {
    if (!Array.isArray(versions))
      throw new IndexFormatError(`index.yaml entries.${name} is not a list`);
  }
  return {
    ...document,
    apiVersion: 'v1',
    entries: entries as Record<string, IndexEntry[]>,
    generated: String(document.generated ?? new Date(0).toISOString()),
  };
}

/**
 * YAML a YAML 1.1 reader (helm's) reads back as the same strings: js-yaml quotes `on`, `yes`, `n`,
 * numbers-as-text and timestamps-as-text.
 */
export function serializeIndex(index: HelmIndex): string {
  return dump(index, { schema: DEFAULT_SCHEMA, noRefs: true, lineWidth: -1, sortKeys: false });
}

/**
 * The entry helm writes for a chart (`helm repo index`, `helm s3 push`): its metadata without the
 * fields Go's `omitempty` leaves out (false, "", empty lists and maps), then where and what the
 * package is.
 */
export function buildEntry(
  metadata: Record<string, unknown>,
  package_: { digest: string; url: string; created: Date },
): IndexEntry {
  const entry: Record<string, unknown> = {};
  for (const field of CHART_METADATA_FIELDS) {
    if (!isEmptyField(metadata[field])) entry[field] = metadata[field];
  }
  return {
    ...entry,
    name: String(metadata.name),
    version: String(metadata.version),
    urls: [package_.url],
    created: package_.created.toISOString(),
    digest: package_.digest,
  };
}

export function findEntry(index: HelmIndex, name: string, version: string): IndexEntry | undefined {
  return index.entries[name]?.find((entry) => entry.version === version);
}

export type AddOutcome = 'added' | 'present' | 'conflict';

/**
 * Adds the entry, newest version first as helm orders them. An entry of the same version and
 * digest is already there ('present', nothing changes); of another digest it is a 'conflict':
 * a published version is immutable (helm caches by digest).
 */
export function addEntry(index: HelmIndex, entry: IndexEntry, now: Date): AddOutcome {
  const existing = findEntry(index, entry.name, entry.version);
  if (existing) return existing.digest === entry.digest ? 'present' : 'conflict';
  const versions = [...(index.entries[entry.name] ?? []), entry];
  index.entries[entry.name] = versions.sort(byVersionDescending);
  index.generated = now.toISOString();
  return 'added';
}

/** Removes the version if its digest is `digest`; answers whether anything was removed. */
export function removeEntry(
  index: HelmIndex,
  name: string,
  version: string,
  digest: string,
  now: Date,
): boolean {
  const versions = index.entries[name];
  const existing = findEntry(index, name, version);
  if (!versions || !existing || existing.digest !== digest) return false;
  const remaining = versions.filter((entry) => entry !== existing);
  if (remaining.length === 0) delete index.entries[name];
  else index.entries[name] = remaining;
  index.generated = now.toISOString();
  return true;
}

function byVersionDescending(a: IndexEntry, b: IndexEntry): number {
  const left = valid(a.version);
  const right = valid(b.version);
  if (left && right) return rcompare(left, right);
  if (left) return -1;
  if (right) return 1;
  return 0;
}

function isEmptyField(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
