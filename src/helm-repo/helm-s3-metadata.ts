import { CHART_METADATA_FIELDS } from './helm-index';

/**
 * The S3 object metadata `helm s3 push` writes on every package and `helm s3 reindex` reads back
 * with a HEAD request (helm-s3 `internal/awss3/storage.go`): `chart-metadata`, the chart's
 * metadata as helm marshals `chart.Metadata` to JSON, and `chart-digest`, the package's sha256 in
 * hex. A package without both is downloaded by reindex instead. helm-s3 drops both when their keys
 * and values add up to more than 1900 bytes (S3 allows 2 KB of user metadata); so do we.
 */
export const CHART_METADATA_KEY = 'chart-metadata';
export const CHART_DIGEST_KEY = 'chart-digest';
const SOFT_LIMIT_BYTES = 1900;

const MAINTAINER_FIELDS = ['name', 'email', 'url'] as const;
const DEPENDENCY_FIELDS = [
  'name',
  'version',
  'repository',
  'condition',
  'tags',
  'enabled',
  'import-values',
  'alias',
] as const;
/** Dependency fields helm writes even when empty (no `omitempty` in their tags). */
const DEPENDENCY_ALWAYS = new Set(['name', 'repository']);

/**
 * `chart-metadata` and `chart-digest` for a package, or no keys at all when they would pass
 * helm-s3's limit.
 */
export function helmS3ObjectMetadata(
  metadata: Record<string, unknown>,
  digest: string,
): Record<string, string> {
  const entries = {
    [CHART_METADATA_KEY]: chartMetadataJson(metadata),
    [CHART_DIGEST_KEY]: digest,
  };
  const size = Object.entries(entries).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
    0,
  );
  return size > SOFT_LIMIT_BYTES ? {} : entries;
}

/**
 * Chart.yaml's metadata as Go's encoding/json writes helm's struct: its field order, empty fields
 * left out, map keys sorted, `<`, `>` and `&` escaped. Non-ASCII characters are escaped as well
 * (`\uXXXX`, the same JSON value): HTTP headers, and so S3 metadata, carry ASCII only.
 */
export function chartMetadataJson(metadata: Record<string, unknown>): string {
  const ordered = pick(metadata, CHART_METADATA_FIELDS, new Set());
  if (Array.isArray(ordered.maintainers)) {
    ordered.maintainers = ordered.maintainers.map((item) =>
      pick(asRecord(item), MAINTAINER_FIELDS, new Set()),
    );
  }
  if (Array.isArray(ordered.dependencies)) {
    ordered.dependencies = ordered.dependencies.map((item) =>
      pick(asRecord(item), DEPENDENCY_FIELDS, DEPENDENCY_ALWAYS),
    );
  }
  if (ordered.annotations !== undefined) ordered.annotations = sortedKeys(ordered.annotations);
  return JSON.stringify(ordered).replace(
    /[<>&\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function pick(
  source: Record<string, unknown>,
  fields: readonly string[],
  always: ReadonlySet<string>,
): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const field of fields) {
    const value = source[field];
    if (always.has(field)) picked[field] = value ?? '';
    else if (!isEmpty(value)) picked[field] = value;
  }
  return picked;
}

/** Go's `omitempty`: false, 0, "", and empty lists and maps are left out. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '')
    return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

function sortedKeys(value: unknown): Record<string, unknown> {
  const record = asRecord(value);
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]]),
  );
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
