import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { tarball } from '../../../test/support/charts';
import { MAX_TRAILER_BYTES, readTarGz, TarEntryHeader, TarReadError } from './tar-reader';

const LIMITS = { maxStreamBytes: 16 * 1024 * 1024, deadline: Number.MAX_SAFE_INTEGER };

interface Read {
  entries: TarEntryHeader[];
  contents: Record<string, string>;
}

async function read(bytes: Buffer, limits = LIMITS): Promise<Read> {
  const result: Read = { entries: [], contents: {} };
  await readTarGz(
    bytes,
    (entry) => {
      result.entries.push(entry);
      const chunks: Buffer[] = [];
      return {
        data: (chunk) => chunks.push(chunk),
        end: () => (result.contents[entry.path] = Buffer.concat(chunks).toString()),
      };
    },
    limits,
  );
  return result;
}

async function refusal(bytes: Buffer, limits = LIMITS): Promise<string> {
  const error = await read(bytes, limits).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TarReadError);
  return (error as Error).message;
}

/** One raw header block, for what the tar package would not write. */
function header(fields: { path: string; type?: string; size: number }): Buffer {
  const block = Buffer.alloc(512);
  new Header({
    path: fields.path,
    type: 'File',
    size: fields.size,
    mode: 0o644,
    mtime: new Date(0),
  }).encode(block, 0);
  if (fields.type) block.write(fields.type, 156, 'latin1');
  return withChecksum(block);
}

function withChecksum(block: Buffer): Buffer {
  block.fill(0x20, 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length += 1;
  return `${length}${body}`;
}

describe('readTarGz', () => {
  it('reads files, folders and links with their data', async () => {
    const { entries, contents } = await read(
      gzipSync(
        tarball([
          { path: 'c/', type: 'Directory' },
          { path: 'c/a.txt', content: 'hello' },
          { path: 'c/b', type: 'SymbolicLink', linkpath: 'a.txt' },
        ]),
      ),
    );
    expect(entries.map((entry) => [entry.path, entry.type, entry.size])).toEqual([
      ['c/', 'directory', 0],
      ['c/a.txt', 'file', 5],
      ['c/b', 'symlink', 0],
    ]);
    expect(entries[2].linkpath).toBe('a.txt');
    expect(contents['c/a.txt']).toBe('hello');
  });

  it('takes long names from pax headers and GNU long-name entries', async () => {
    const long = `c/${'d/'.repeat(80)}file.txt`;
    const pax = Buffer.from(paxRecord('path', long));
    const gnu = Buffer.from(`c/${'g'.repeat(150)}\0`);
    const pad = (bytes: Buffer) =>
      Buffer.concat([bytes, Buffer.alloc((512 - (bytes.length % 512)) % 512)]);
    const archive = Buffer.concat([
      header({ path: 'PaxHeader', type: 'x', size: pax.length }),
      pad(pax),
      header({ path: 'short', size: 2 }),
      pad(Buffer.from('ok')),
      header({ path: '././@LongLink', type: 'L', size: gnu.length }),
      pad(gnu),
      header({ path: 'cut', size: 0 }),
      Buffer.alloc(1024),
    ]);
    const { entries, contents } = await read(gzipSync(archive));
    expect(entries.map((entry) => entry.path)).toEqual([long, `c/${'g'.repeat(150)}`]);
    expect(contents[long]).toBe('ok');
  });

  it('stops at the end-of-archive marker, allowing only record padding after it', async () => {
    const chart = tarball([{ path: 'c/a', content: 'x' }]);
    const padded = Buffer.concat([chart, Buffer.alloc(10240 - (chart.length % 10240))]);
    expect((await read(gzipSync(padded))).entries).toHaveLength(1);
    const zeros = Buffer.concat([chart, Buffer.alloc(64 * 1024 * 1024)]);
    const started = Date.now();
    expect(await refusal(gzipSync(zeros, { level: 1 }))).toMatch(
      `more than ${MAX_TRAILER_BYTES} bytes after its end-of-archive marker`,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    const smuggled = Buffer.concat([chart, tarball([{ path: 'c/evil', content: 'x' }])]);
    expect(await refusal(gzipSync(smuggled))).toMatch(/data after its end-of-archive marker/);
  });

  it('bounds the decompressed bytes and the time', async () => {
    const big = gzipSync(tarball([{ path: 'c/zeros', content: Buffer.alloc(8 * 1024 * 1024) }]));
    expect(await refusal(big, { ...LIMITS, maxStreamBytes: 1024 * 1024 })).toMatch(
      /unpacks to more than 1048576 bytes/,
    );
    expect(await refusal(big, { ...LIMITS, deadline: Date.now() - 1 })).toMatch(/too long/);
  });

  it.each([
    [
      'a bad checksum',
      () => {
        const archive = tarball([{ path: 'c/a', content: 'x' }]);
        archive[0] ^= 1;
        return archive;
      },
      /checksum/,
    ],
    [
      'a truncated entry',
      () => tarball([{ path: 'c/a', content: 'x'.repeat(600) }]).subarray(0, 1024),
      /truncated/,
    ],
    [
      'a base-256 size',
      () => {
        const block = header({ path: 'c/huge', size: 0 });
        block[124] = 0x80;
        withChecksum(block);
        return Buffer.concat([block, Buffer.alloc(1024)]);
      },
      /absurd size/,
    ],
    [
      'an oversized extended header',
      () =>
        Buffer.concat([header({ path: 'x', type: 'x', size: 1024 * 1024 }), Buffer.alloc(1024)]),
      /extended header/,
    ],
    [
      'a stray zero block',
      () =>
        Buffer.concat([Buffer.alloc(512), header({ path: 'c/a', size: 0 }), Buffer.alloc(1024)]),
      /stray zero block/,
    ],
  ])('refuses %s', async (_, build, reason) => {
    expect(await refusal(gzipSync(build()))).toMatch(reason);
  });

  it('says gzip data it cannot inflate is unreadable', async () => {
    const bytes = gzipSync(tarball([{ path: 'c/a', content: 'x' }]));
    bytes[12] ^= 0xff;
    expect(await refusal(bytes)).toMatch(/cannot be read/);
  });

  it('reports a special entry for the caller to judge', async () => {
    const { entries } = await read(gzipSync(tarball([{ path: 'c/fifo', type: 'FIFO' }])));
    expect(entries[0]).toMatchObject({ type: 'special', kind: 'FIFO' });
  });
});
