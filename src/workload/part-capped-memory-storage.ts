import type { StorageEngine } from 'multer';

/**
 * multer's memory storage with a cap per multipart part: a part past its cap stops being kept and
 * fails the upload with `tooLarge(field)` at once (multer then discards the rest of the request),
 * where multer's own `fileSize` is one limit for every part. Parts without a cap here are held to
 * that limit alone.
 */
export function partCappedMemoryStorage(
  caps: Readonly<Record<string, number>>,
  tooLarge: (field: string) => Error,
): StorageEngine {
  return {
    _handleFile(_request, file, callback) {
      const cap = caps[file.fieldname] ?? Number.POSITIVE_INFINITY;
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      file.stream.on('data', (chunk: Buffer) => {
        if (refused) return;
        size += chunk.length;
        if (size <= cap) {
          chunks.push(chunk);
          return;
        }
        refused = true;
        chunks.length = 0;
        callback(tooLarge(file.fieldname));
      });
      file.stream.on('end', () => {
        if (refused) return;
        const buffer = Buffer.concat(chunks);
        callback(null, { buffer, size: buffer.length });
      });
    },
    _removeFile(_request, file, callback) {
      file.buffer = Buffer.alloc(0);
      callback(null);
    },
  };
}
