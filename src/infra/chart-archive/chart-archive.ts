import { CORE_SCHEMA, FAILSAFE_SCHEMA, load } from 'js-yaml';
import { posix } from 'node:path';
import { createGunzip } from 'node:zlib';
import { Parser, ReadEntry } from 'tar';

export interface ChartArchiveLimits {
  maxEntries: number;
  /** Sum of the sizes of the files once unpacked: what a tar bomb inflates. */
  maxUnpackedBytes: number;
}

/** Chart.yaml as helm reads it; only name and version are required here, helm lint checks the rest. */
export interface ChartMetadata extends Record<string, unknown> {
  name: string;
  version: string;
}

export interface ChartArchive {
  /** The one top-level folder of the package. */
  root: string;
  metadata: ChartMetadata;
  entries: number;
  unpackedBytes: number;
}

/** The package is not a chart we may open; the message is the rejection reason a person reads. */
export class ChartArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChartArchiveError';
  }
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const LINK_TYPES = new Set(['SymbolicLink', 'Link']);
const CHART_YAML_MAX_BYTES = 1024 * 1024;
/** Header and padding blocks around the file data in the decompressed stream. */
const TAR_OVERHEAD_PER_ENTRY = 1536;

/**
 * Reads a chart package (.tgz) without writing anything to disk, refusing what could escape or
 * exhaust a consumer: non-gzip input, too many entries, too many unpacked bytes (checked on the
 * decompressed stream, so a gzip bomb stops early), absolute paths, `..`, links leaving the chart,
 * devices and other special files, more than one top-level folder, and a missing Chart.yaml.
 */
export async function readChartArchive(
  bytes: Buffer,
  limits: ChartArchiveLimits,
): Promise<ChartArchive> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new ChartArchiveError('the package is not a gzip-compressed tar archive (.tgz)');
  }
  const scan = await scanTar(bytes, limits);
  if (!scan.root) throw new ChartArchiveError('the archive is empty');
  if (!scan.chartYaml) {
    throw new ChartArchiveError(`the archive has no ${scan.root}/Chart.yaml`);
  }
  return {
    root: scan.root,
    metadata: parseChartYaml(scan.chartYaml),
    entries: scan.entries,
    unpackedBytes: scan.unpackedBytes,
  };
}

interface TarScan {
  root?: string;
  chartYaml?: Buffer;
  entries: number;
  unpackedBytes: number;
}

function scanTar(bytes: Buffer, limits: ChartArchiveLimits): Promise<TarScan> {
  return new Promise((resolve, reject) => {
    const scan: TarScan = { entries: 0, unpackedBytes: 0 };
    const maxStreamBytes =
      limits.maxUnpackedBytes + (limits.maxEntries + 8) * TAR_OVERHEAD_PER_ENTRY;
    let streamed = 0;
    let failed = false;
    const gunzip = createGunzip();
    const parser = new Parser({ strict: true });

    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      gunzip.destroy();
      reject(error instanceof ChartArchiveError ? error : unreadable(error));
    };

    parser.on('entry', (entry: ReadEntry) => {
      try {
        onEntry(entry, scan, limits);
      } catch (error) {
        entry.resume();
        fail(error);
      }
    });
    parser.on('error', fail);
    parser.on('end', () => {
      if (!failed) resolve(scan);
    });
    gunzip.on('data', (chunk: Buffer) => {
      streamed += chunk.length;
      if (streamed > maxStreamBytes) return fail(tooLarge(limits));
      if (!failed) parser.write(chunk);
    });
    gunzip.on('end', () => {
      if (!failed) parser.end();
    });
    gunzip.on('error', fail);
    gunzip.end(bytes);
  });
}

function onEntry(entry: ReadEntry, scan: TarScan, limits: ChartArchiveLimits): void {
  scan.entries += 1;
  if (scan.entries > limits.maxEntries) {
    throw new ChartArchiveError(`the archive has more than ${limits.maxEntries} entries`);
  }
  const parts = safeParts(entry.path);
  scan.root ??= parts[0];
  if (parts[0] !== scan.root) {
    throw new ChartArchiveError(
      `the archive must hold exactly one top-level chart folder, found "${scan.root}" and "${parts[0]}"`,
    );
  }
  checkType(entry, parts);
  if (FILE_TYPES.has(entry.type)) {
    scan.unpackedBytes += entry.size;
    if (scan.unpackedBytes > limits.maxUnpackedBytes) throw tooLarge(limits);
  }
  if (parts.length === 2 && parts[1] === 'Chart.yaml' && FILE_TYPES.has(entry.type)) {
    collectChartYaml(entry, scan);
    return;
  }
  entry.resume();
}

/** The path's segments, refusing absolute paths, `..`, backslashes and NUL bytes. */
function safeParts(path: string): string[] {
  if (path.includes('\0') || path.includes('\\')) {
    throw new ChartArchiveError(`the entry "${printable(path)}" has a forbidden character`);
  }
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    throw new ChartArchiveError(`the entry "${printable(path)}" has an absolute path`);
  }
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) {
    throw new ChartArchiveError(`the entry "${printable(path)}" leaves the chart folder (..)`);
  }
  if (parts.length === 0) throw new ChartArchiveError('the archive has an entry without a name');
  return parts;
}

function checkType(entry: ReadEntry, parts: string[]): void {
  if (entry.type === 'Directory') return;
  if (parts.length < 2) {
    throw new ChartArchiveError(`the entry "${printable(entry.path)}" is outside the chart folder`);
  }
  if (FILE_TYPES.has(entry.type)) return;
  if (LINK_TYPES.has(entry.type)) return checkLink(entry, parts);
  throw new ChartArchiveError(
    `the entry "${printable(entry.path)}" is a ${entry.type}: only files, folders and links inside the chart are allowed`,
  );
}

/** A symbolic link resolves from its own folder, a hard link from the archive root. */
function checkLink(entry: ReadEntry, parts: string[]): void {
  const target = entry.linkpath ?? '';
  const escapes = (): never => {
    throw new ChartArchiveError(
      `the link "${printable(entry.path)}" points outside the chart (${printable(target)})`,
    );
  };
  if (target === '' || target.startsWith('/') || target.includes('\\')) escapes();
  const resolved =
    entry.type === 'SymbolicLink'
      ? posix.normalize(posix.join(...parts.slice(0, -1), target))
      : posix.normalize(target);
  const root = parts[0];
  if (resolved !== root && !resolved.startsWith(`${root}/`)) escapes();
}

function collectChartYaml(entry: ReadEntry, scan: TarScan): void {
  if (entry.size > CHART_YAML_MAX_BYTES) {
    throw new ChartArchiveError(`Chart.yaml is larger than ${CHART_YAML_MAX_BYTES} bytes`);
  }
  const chunks: Buffer[] = [];
  entry.on('data', (chunk: Buffer) => chunks.push(chunk));
  entry.on('end', () => {
    scan.chartYaml = Buffer.concat(chunks);
  });
}

/** Chart.yaml fields helm reads as strings: `appVersion: 1.10` must stay "1.10", not 1.1. */
const STRING_FIELDS = [
  'apiVersion',
  'name',
  'version',
  'kubeVersion',
  'description',
  'type',
  'home',
  'icon',
  'appVersion',
  'condition',
  'tags',
];

function parseChartYaml(text: Buffer): ChartMetadata {
  const metadata = loadMapping(text, CORE_SCHEMA);
  const verbatim = loadMapping(text, FAILSAFE_SCHEMA);
  for (const field of STRING_FIELDS) {
    if (typeof verbatim[field] === 'string') metadata[field] = verbatim[field];
  }
  for (const field of ['name', 'version']) {
    if (typeof metadata[field] !== 'string' || metadata[field] === '') {
      throw new ChartArchiveError(`Chart.yaml has no ${field} (a string is required)`);
    }
  }
  return metadata as ChartMetadata;
}

function loadMapping(text: Buffer, schema: typeof CORE_SCHEMA): Record<string, unknown> {
  let document: unknown;
  try {
    document = load(text.toString('utf8'), { schema });
  } catch (error) {
    throw new ChartArchiveError(`Chart.yaml is not valid YAML: ${(error as Error).message}`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ChartArchiveError('Chart.yaml is not a mapping');
  }
  return document as Record<string, unknown>;
}

function tooLarge(limits: ChartArchiveLimits): ChartArchiveError {
  return new ChartArchiveError(`the archive unpacks to more than ${limits.maxUnpackedBytes} bytes`);
}

function unreadable(error: unknown): ChartArchiveError {
  const message = error instanceof Error ? error.message : String(error);
  return new ChartArchiveError(`the archive cannot be read: ${message}`);
}

/** Paths come from the archive: keep control characters out of messages and logs. */
function printable(value: string): string {
  const visible = [...value].map((char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || code === 0x7f ? '?' : char;
  });
  return visible.join('').slice(0, 200);
}
