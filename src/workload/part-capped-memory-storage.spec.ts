import type { Request } from 'express';
import { PassThrough } from 'node:stream';
import { partCappedMemoryStorage } from './part-capped-memory-storage';

type Outcome = { error?: unknown; buffer?: Buffer; size?: number };

/** Streams `chunks` as the multipart part `field` through the storage and reports its callback. */
function store(field: string, chunks: Buffer[]): { calls: Outcome[]; stream: PassThrough } {
  const storage = partCappedMemoryStorage(
    { provenance: 10 },
    (name) => new Error(`${name} too large`),
  );
  const stream = new PassThrough();
  const calls: Outcome[] = [];
  const file = { fieldname: field, stream } as unknown as Express.Multer.File;
  storage._handleFile({} as Request, file, (error?: unknown, info?: Partial<Express.Multer.File>) =>
    calls.push({ error, buffer: info?.buffer, size: info?.size }),
  );
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  return { calls, stream };
}

const ended = (stream: PassThrough) =>
  new Promise<void>((resolve) => (stream.readableEnded ? resolve() : stream.once('end', resolve)));

describe('partCappedMemoryStorage', () => {
  it('keeps a part up to its cap whole, in order', async () => {
    const { calls, stream } = store('provenance', [Buffer.from('01234'), Buffer.from('56789')]);
    await ended(stream);
    expect(calls).toEqual([{ error: null, buffer: Buffer.from('0123456789'), size: 10 }]);
  });

  it('refuses a part once it passes its cap, once, handing none of it on', async () => {
    const { calls, stream } = store('provenance', [
      Buffer.from('0123456789'),
      Buffer.from('x'),
      Buffer.from('more after the cap'),
    ]);
    await ended(stream);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual({ error: new Error('provenance too large') });
  });

  it('leaves a part without a cap of its own to multer’s one limit', async () => {
    const big = Buffer.alloc(1024, 'p');
    const { calls, stream } = store('file', [big, big]);
    await ended(stream);
    expect(calls).toEqual([{ error: null, buffer: Buffer.concat([big, big]), size: 2048 }]);
  });

  it('gives a removed file’s memory back', () => {
    const storage = partCappedMemoryStorage({}, () => new Error('unused'));
    const file = { buffer: Buffer.alloc(64) } as Express.Multer.File;
    let removed: unknown = 'not called';
    storage._removeFile({} as Request, file, (error: Error | null) => (removed = error));
    expect({ removed, bytes: file.buffer.length }).toEqual({ removed: null, bytes: 0 });
  });
});
