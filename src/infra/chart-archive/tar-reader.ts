import { createGunzip } from 'node:zlib';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'special';

export interface TarEntryHeader {
  path: string;
  type: TarEntryType;
  /** For messages: what the entry is (`character device`, `FIFO`, `sparse file`, …). */
  kind: string;
  size: number;
  linkpath: string;
}

/** Where the data of one entry goes, chunk by chunk. */
export interface TarEntrySink {
  data(chunk: Buffer): void;
  end(): void;
}

/**
 * Called for each entry once its header is read; answers where its data goes (undefined: skipped).
 * Throwing refuses the archive with that error.
 */
export type TarVisitor = (header: TarEntryHeader) => TarEntrySink | undefined;

export interface TarReadLimits {
  /** Most bytes gunzip may produce, headers and padding included. */
  maxStreamBytes: number;
  /** `Date.now()` past which reading stops with a refusal. */
  deadline: number;
}

/** The bytes are no tar archive we read, or break a limit; the message is for a person. */
export class TarReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarReadError';
  }
}

const BLOCK = 512;
/** pax and GNU long-name records: more than any sane path needs. */
const MAX_META_BYTES = 64 * 1024;
/**
 * Zero bytes tolerated after the end-of-archive marker: tar writers pad the archive to a record
 * (10 KiB for GNU tar and bsdtar, up to 64 KiB with large blocking factors). Anything else there
 * is refused, and the rest of the stream is never decompressed.
 */
export const MAX_TRAILER_BYTES = 64 * 1024;

const TYPES: Record<string, [TarEntryType, string]> = {
  '0': ['file', 'file'],
  '\0': ['file', 'file'],
  '7': ['file', 'file'],
  '1': ['hardlink', 'hard link'],
  '2': ['symlink', 'symbolic link'],
  '5': ['directory', 'directory'],
  '3': ['special', 'character device'],
  '4': ['special', 'block device'],
  '6': ['special', 'FIFO'],
  S: ['special', 'sparse file'],
};
const META_TYPES = new Set(['x', 'g', 'L', 'K']);

interface Meta {
  path?: string;
  linkpath?: string;
  size?: number;
}

/**
 * Reads a gzip-compressed tar archive as a stream, without writing anything: ustar, pax (`path`,
 * `linkpath`, `size`) and GNU long names, as Go's archive/tar (helm) reads them. Unlike a general
 * tar library it stops at the end-of-archive marker (two zero blocks; only record padding may
 * follow), counts every decompressed byte against `maxStreamBytes`, and checks the deadline on
 * every decompressed chunk, so a small package can cost neither unbounded memory nor unbounded
 * CPU. Decompression runs off the event loop (zlib's thread pool); the work here is per chunk.
 */
export function readTarGz(bytes: Buffer, visit: TarVisitor, limits: TarReadLimits): Promise<void> {
  return new Promise((resolve, reject) => {
    const walker = new TarWalker(visit);
    const gunzip = createGunzip();
    let streamed = 0;
    let settled = false;
    /** The visitor's own errors pass through as they are; zlib's say the bytes are unreadable. */
    const settle = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      if (error === undefined) resolve();
      else reject(error);
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (settled) return;
      streamed += chunk.length;
      try {
        if (streamed > limits.maxStreamBytes) {
          throw new TarReadError(`the archive unpacks to more than ${limits.maxStreamBytes} bytes`);
        }
        if (Date.now() > limits.deadline) {
          throw new TarReadError('the archive took too long to read');
        }
        walker.push(chunk);
      } catch (error) {
        settle(error);
      }
    });
    gunzip.on('end', () => {
      try {
        walker.finish();
        settle();
      } catch (error) {
        settle(error);
      }
    });
    gunzip.on('error', (error) => settle(unreadable(error)));
    gunzip.end(bytes);
  });
}

type Mode = 'header' | 'body' | 'trailer';

class TarWalker {
  private mode: Mode = 'header';
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private sawZeroBlock = false;
  private meta: Meta = {};
  /** Data bytes of the current entry still to come, then its padding. */
  private remaining = 0;
  private padding = 0;
  private sink?: TarEntrySink;
  private metaType?: string;
  private metaChunks: Buffer[] = [];
  private trailer = 0;

  constructor(private readonly visit: TarVisitor) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.mode === 'trailer') return this.trail(chunk.subarray(offset));
      offset += this.mode === 'header' ? this.fillHeader(chunk, offset) : this.body(chunk, offset);
    }
  }

  /** The stream ended: only at an entry boundary (Go accepts a missing end marker there). */
  finish(): void {
    if (this.mode === 'body' || this.headerFill > 0) {
      throw new TarReadError('the archive is truncated');
    }
  }

  private fillHeader(chunk: Buffer, offset: number): number {
    const taken = Math.min(BLOCK - this.headerFill, chunk.length - offset);
    chunk.copy(this.header, this.headerFill, offset, offset + taken);
    this.headerFill += taken;
    if (this.headerFill === BLOCK) {
      this.headerFill = 0;
      this.onHeader();
    }
    return taken;
  }

  private onHeader(): void {
    if (isZeroBlock(this.header)) {
      if (this.sawZeroBlock) this.mode = 'trailer';
      this.sawZeroBlock = true;
      return;
    }
    if (this.sawZeroBlock) throw new TarReadError('the archive has a stray zero block');
    if (!checksumValid(this.header)) {
      throw new TarReadError('the archive cannot be read: invalid tar header checksum');
    }
    const flag = String.fromCharCode(this.header[156]);
    const size = headerSize(this.header);
    if (META_TYPES.has(flag)) return this.startMeta(flag, size);
    const entry = this.entryHeader(flag, size);
    this.meta = {};
    this.sink = this.visit(entry);
    this.startBody(entry.type === 'file' ? entry.size : 0);
  }

  private entryHeader(flag: string, headerSize: number): TarEntryHeader {
    const meta = this.meta;
    const name = meta.path ?? headerPath(this.header);
    const known = TYPES[flag];
    const [type, kind] = known ?? ['special', `tar entry of type "${printableFlag(flag)}"`];
    const directory = type === 'directory' || (flag === '\0' && name.endsWith('/'));
    return {
      path: name,
      type: directory ? 'directory' : type,
      kind: directory ? 'directory' : kind,
      size: meta.size ?? headerSize,
      linkpath: meta.linkpath ?? cString(this.header, 157, 100),
    };
  }

  private startMeta(flag: string, size: number): void {
    if (size > MAX_META_BYTES) {
      throw new TarReadError(`the archive has a ${size}-byte extended header`);
    }
    this.metaType = flag;
    this.metaChunks = [];
    this.sink = {
      data: (chunk) => this.metaChunks.push(chunk),
      end: () => this.endMeta(),
    };
    this.startBody(size);
  }

  private endMeta(): void {
    const record = Buffer.concat(this.metaChunks);
    this.metaChunks = [];
    if (this.metaType === 'L') this.meta.path = cString(record, 0, record.length);
    else if (this.metaType === 'K') this.meta.linkpath = cString(record, 0, record.length);
    // Go's reader hands global pax headers over as entries of their own (helm skips them).
    else if (this.metaType === 'x') Object.assign(this.meta, paxRecords(record));
  }

  private startBody(size: number): void {
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    this.mode = 'body';
    if (size === 0) this.endBody();
  }

  private body(chunk: Buffer, offset: number): number {
    if (this.remaining > 0) {
      const taken = Math.min(this.remaining, chunk.length - offset);
      this.sink?.data(chunk.subarray(offset, offset + taken));
      this.remaining -= taken;
      if (this.remaining === 0) this.endBody();
      return taken;
    }
    const skipped = Math.min(this.padding, chunk.length - offset);
    this.padding -= skipped;
    if (this.padding === 0) this.mode = 'header';
    return skipped;
  }

  private endBody(): void {
    const sink = this.sink;
    this.sink = undefined;
    sink?.end();
    if (this.padding === 0) this.mode = 'header';
  }

  private trail(rest: Buffer): void {
    if (rest.some((byte) => byte !== 0)) {
      throw new TarReadError('the archive has data after its end-of-archive marker');
    }
    this.trailer += rest.length;
    if (this.trailer > MAX_TRAILER_BYTES) {
      throw new TarReadError(
        `the archive has more than ${MAX_TRAILER_BYTES} bytes after its end-of-archive marker`,
      );
    }
  }
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i += 1) if (block[i] !== 0) return false;
  return true;
}

/** The unsigned sum of the header with its checksum field read as spaces (signed, for old tars). */
function checksumValid(header: Buffer): boolean {
  const stored = octal(header, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i += 1) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

function headerSize(header: Buffer): number {
  if (header[124] & 0x80) {
    throw new TarReadError('the archive has an entry with an absurd size (base-256 size field)');
  }
  const size = octal(header, 124, 12);
  if (Number.isNaN(size)) throw new TarReadError('the archive has an entry with an invalid size');
  return size;
}

/** POSIX ustar splits long names into prefix + name; GNU tar uses those bytes for times. */
function headerPath(header: Buffer): string {
  const name = cString(header, 0, 100);
  const posix = header.toString('latin1', 257, 263) === 'ustar\0';
  const prefix = posix ? cString(header, 345, 155) : '';
  return prefix === '' ? name : `${prefix}/${name}`;
}

function octal(buffer: Buffer, offset: number, length: number): number {
  const text = buffer
    .toString('latin1', offset, offset + length)
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
}

function cString(buffer: Buffer, offset: number, length: number): string {
  const end = buffer.indexOf(0, offset);
  const stop = end < 0 || end > offset + length ? offset + length : end;
  return buffer.toString('utf8', offset, stop);
}

/** pax records: `<length> <key>=<value>\n`; only the keys that change what helm reads. */
function paxRecords(record: Buffer): Meta {
  const meta: Meta = {};
  let offset = 0;
  while (offset < record.length) {
    const space = record.indexOf(0x20, offset);
    const length = space < 0 ? NaN : Number(record.toString('latin1', offset, space));
    if (!Number.isInteger(length) || length <= 0 || offset + length > record.length) {
      throw new TarReadError('the archive has a malformed pax header');
    }
    const text = record.toString('utf8', space + 1, offset + length - 1);
    const equals = text.indexOf('=');
    const key = text.slice(0, equals);
    const value = text.slice(equals + 1);
    if (key === 'path') meta.path = value;
    else if (key === 'linkpath') meta.linkpath = value;
    else if (key === 'size') meta.size = paxSize(value);
    offset += length;
  }
  return meta;
}

function paxSize(value: string): number {
  if (!/^\d{1,15}$/.test(value)) {
    throw new TarReadError('the archive has an entry with an invalid size');
  }
  return Number(value);
}

function printableFlag(flag: string): string {
  const code = flag.charCodeAt(0);
  return code < 0x20 || code > 0x7e ? `\\x${code.toString(16).padStart(2, '0')}` : flag;
}

function unreadable(error: unknown): TarReadError {
  const message = error instanceof Error ? error.message : String(error);
  return new TarReadError(`the archive cannot be read: ${message}`);
}
