import { CORE_SCHEMA, FAILSAFE_SCHEMA, load } from 'js-yaml';
import { posix } from 'node:path';
import { TemplateScanner } from './chart-determinism';
import {
  MAX_TRAILER_BYTES,
  readTarGz,
  TarEntryHeader,
  TarEntrySink,
  TarReadError,
} from './tar-reader';

export interface ChartArchiveLimits {
  /** Entries of the package and of every subchart archive in it, together. */
  maxEntries: number;
  /**
   * Sum of the sizes of the files once unpacked, subchart archives unpacked too: what a tar or
   * gzip bomb inflates.
   */
  maxUnpackedBytes: number;
  /** Wall time for reading the whole package, subcharts included (default 10 s). */
  timeoutMs?: number;
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
  /**
   * Non-deterministic template functions (random, clock, generated keys…) the chart's templates
   * and its subcharts' call, sorted; empty when its renders may be cached. See chart-determinism.
   */
  nonDeterministic: string[];
}

/** The package is not a chart we may open; the message is the rejection reason a person reads. */
export class ChartArchiveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChartArchiveError';
  }
}

const CHART_YAML_MAX_BYTES = 1024 * 1024;
/** Header and padding blocks around the file data in the decompressed stream. */
const TAR_OVERHEAD_PER_ENTRY = 1536;
/** Subchart archives inside subchart archives: deeper than any real chart nests. */
export const MAX_SUBCHART_NESTING = 4;
const DEFAULT_TIMEOUT_MS = 10_000;

/** What all archives of one package share: one budget, however the bytes are nested. */
interface Budget {
  limits: ChartArchiveLimits;
  entries: number;
  unpackedBytes: number;
  deadline: number;
  /** Calls found in templates. */
  templateCalls: Set<string>;
  /** Calls found in other chart files: they count when a template calls `tpl`. */
  otherCalls: Set<string>;
  usesTpl: boolean;
}

/**
 * Reads a chart package (.tgz) without writing anything to disk, refusing what could escape or
 * exhaust a consumer: non-gzip input, too many entries, too many unpacked bytes (checked on the
 * decompressed stream, so a gzip bomb stops early), data after the end-of-archive marker,
 * absolute paths, `..`, links leaving the chart, devices and other special files, more than one
 * top-level folder, and a missing Chart.yaml. Subchart archives (`charts/*.tgz`) are read the same
 * way before helm sees them, within the same budget of entries, bytes and time. The one pass also
 * scans what helm reads as templates for non-deterministic functions.
 */
export async function readChartArchive(
  bytes: Buffer,
  limits: ChartArchiveLimits,
): Promise<ChartArchive> {
  const budget: Budget = {
    limits,
    entries: 0,
    unpackedBytes: 0,
    deadline: Date.now() + (limits.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    templateCalls: new Set(),
    otherCalls: new Set(),
    usesTpl: false,
  };
  const scan = await readPackage(bytes, budget, 0);
  const calls = new Set(budget.templateCalls);
  if (budget.usesTpl) for (const call of budget.otherCalls) calls.add(call);
  return {
    root: scan.root,
    metadata: scan.metadata,
    entries: budget.entries,
    unpackedBytes: budget.unpackedBytes,
    nonDeterministic: [...calls].sort(),
  };
}

interface PackageScan {
  root: string;
  metadata: ChartMetadata;
}

interface TarScan {
  root?: string;
  chartYaml?: Buffer;
  subcharts: Array<{ path: string; bytes: Buffer }>;
}

async function readPackage(bytes: Buffer, budget: Budget, depth: number): Promise<PackageScan> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new ChartArchiveError('the package is not a gzip-compressed tar archive (.tgz)');
  }
  const scan: TarScan = { subcharts: [] };
  const { limits } = budget;
  try {
    await readTarGz(bytes, (entry) => onEntry(entry, scan, budget), {
      maxStreamBytes:
        limits.maxUnpackedBytes +
        (limits.maxEntries + 8) * TAR_OVERHEAD_PER_ENTRY +
        MAX_TRAILER_BYTES,
      deadline: budget.deadline,
    });
  } catch (error) {
    if (error instanceof TarReadError) throw new ChartArchiveError(error.message);
    throw error;
  }
  if (!scan.root) throw new ChartArchiveError('the archive is empty');
  if (!scan.chartYaml) {
    throw new ChartArchiveError(`the archive has no ${scan.root}/Chart.yaml`);
  }
  const metadata = parseChartYaml(scan.chartYaml);
  for (const subchart of scan.subcharts) await readSubchart(subchart, budget, depth);
  return { root: scan.root, metadata };
}

async function readSubchart(
  subchart: { path: string; bytes: Buffer },
  budget: Budget,
  depth: number,
): Promise<void> {
  const name = printable(subchart.path);
  if (depth + 1 > MAX_SUBCHART_NESTING) {
    throw new ChartArchiveError(
      `${name}: subchart archives are nested more than ${MAX_SUBCHART_NESTING} deep`,
    );
  }
  try {
    await readPackage(subchart.bytes, budget, depth + 1);
  } catch (error) {
    if (!(error instanceof ChartArchiveError)) throw error;
    throw new ChartArchiveError(`${name}: ${error.message}`);
  }
}

function onEntry(entry: TarEntryHeader, scan: TarScan, budget: Budget): TarEntrySink | undefined {
  budget.entries += 1;
  const { limits } = budget;
  if (budget.entries > limits.maxEntries) {
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
  if (entry.type !== 'file') return undefined;
  budget.unpackedBytes += entry.size;
  if (budget.unpackedBytes > limits.maxUnpackedBytes) throw tooLarge(limits);
  return sinkOf(entry, parts.slice(1), scan, budget);
}

/** Where a file's bytes go, by what helm makes of its path inside the chart. */
function sinkOf(
  entry: TarEntryHeader,
  inChart: string[],
  scan: TarScan,
  budget: Budget,
): TarEntrySink {
  if (inChart.length === 1 && inChart[0] === 'Chart.yaml') {
    return collect(entry, CHART_YAML_MAX_BYTES, (bytes) => (scan.chartYaml = bytes));
  }
  const role = roleOf(inChart);
  if (role === 'archive') {
    return collect(entry, budget.limits.maxUnpackedBytes, (bytes) =>
      scan.subcharts.push({ path: entry.path, bytes }),
    );
  }
  return scanning(role === 'template', budget);
}

/**
 * Each file is a template of its own (Go parses them one by one). Files other than templates are
 * scanned too: `tpl` may render them (`tpl (.Files.Get "x") .`, `tpl .Values.x .`), which only
 * matters once a template is seen to call it; the scan is linear, so it costs little either way.
 */
function scanning(template: boolean, budget: Budget): TarEntrySink {
  const scanner = new TemplateScanner();
  return {
    data: (chunk) => scanner.write(chunk),
    end: () => {
      scanner.end();
      const found = template ? budget.templateCalls : budget.otherCalls;
      for (const call of scanner.calls) found.add(call);
      if (template && scanner.usesTpl) budget.usesTpl = true;
    },
  };
}

/**
 * As helm's chart loader reads a path relative to a chart: `templates/**` are templates,
 * `charts/<name>.tgz` a packed subchart, `charts/<name>/…` an unpacked one (read the same way);
 * names under `charts/` starting with `_` or `.` are not loaded.
 */
function roleOf(inChart: string[]): 'template' | 'archive' | 'other' {
  if (inChart[0] === 'templates' && inChart.length >= 2) return 'template';
  if (inChart[0] !== 'charts' || inChart.length < 2 || /^[_.]/.test(inChart[1])) return 'other';
  if (inChart.length === 2) return inChart[1].endsWith('.tgz') ? 'archive' : 'other';
  return roleOf(inChart.slice(2));
}

function collect(
  entry: TarEntryHeader,
  maxBytes: number,
  done: (bytes: Buffer) => void,
): TarEntrySink {
  if (entry.size > maxBytes) {
    throw new ChartArchiveError(`${printable(entry.path)} is larger than ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  return { data: (chunk) => chunks.push(chunk), end: () => done(Buffer.concat(chunks)) };
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

function checkType(entry: TarEntryHeader, parts: string[]): void {
  if (entry.type === 'directory') return;
  if (parts.length < 2) {
    throw new ChartArchiveError(`the entry "${printable(entry.path)}" is outside the chart folder`);
  }
  if (entry.type === 'file') return;
  if (entry.type === 'symlink' || entry.type === 'hardlink') return checkLink(entry, parts);
  throw new ChartArchiveError(
    `the entry "${printable(entry.path)}" is a ${entry.kind}: only files, folders and links inside the chart are allowed`,
  );
}

/** A symbolic link resolves from its own folder, a hard link from the archive root. */
function checkLink(entry: TarEntryHeader, parts: string[]): void {
  const target = entry.linkpath;
  const escapes = (): never => {
    throw new ChartArchiveError(
      `the link "${printable(entry.path)}" points outside the chart (${printable(target)})`,
    );
  };
  if (target === '' || target.startsWith('/') || target.includes('\\')) escapes();
  const resolved =
    entry.type === 'symlink'
      ? posix.normalize(posix.join(...parts.slice(0, -1), target))
      : posix.normalize(target);
  const root = parts[0];
  if (resolved !== root && !resolved.startsWith(`${root}/`)) escapes();
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

/** Paths come from the archive: keep control characters out of messages and logs. */
function printable(value: string): string {
  const visible = [...value].map((char) => {
    const code = char.charCodeAt(0);
    return code < 0x20 || code === 0x7f ? '?' : char;
  });
  return visible.join('').slice(0, 200);
}
