import { ValidationPipe } from '@nestjs/common';
import { DomainError } from '../errors/domain-error';
import { validationFailed } from '../errors/validation';
import {
  bindingDigest,
  CursorBinding,
  decodeCursor,
  encodeCursor,
  MAX_CURSOR_LENGTH,
} from './cursor';
import { PageQuery } from './pagination';

const binding: CursorBinding = {
  resource: 'workloads',
  sort: 'created_at',
  order: 'desc',
  filters: { name: 'echo', status: undefined },
};
const KEY = '2026-12-01T20:18:41.123456Z';

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('accepted');
}

const reencode = (cursor: string, change: Record<string, unknown>): string =>
  Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(cursor, 'base64url').toString()), ...change }),
  ).toString('base64url');

describe('page cursors', () => {
  it('round-trips a position, microseconds included, as opaque base64url', () => {
    const cursor = encodeCursor({ key: KEY, id: 42 }, binding);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor.length).toBeLessThan(MAX_CURSOR_LENGTH);
    expect(decodeCursor(cursor, binding, 'timestamptz')).toEqual({ key: KEY, id: 42 });
    const byName = { ...binding, sort: 'name' };
    expect(decodeCursor(encodeCursor({ key: 'é"\\', id: 1 }, byName), byName, 'text')).toEqual({
      key: 'é"\\',
      id: 1,
    });
  });

  it('binds to resource, sort, order and filters, not to their spelling order or absent ones', () => {
    expect(bindingDigest({ ...binding, filters: { status: undefined, name: 'echo' } })).toBe(
      bindingDigest(binding),
    );
    expect(bindingDigest({ ...binding, filters: { name: 'echo' } })).toBe(bindingDigest(binding));
    const cursor = encodeCursor({ key: KEY, id: 42 }, binding);
    for (const other of [
      { ...binding, resource: 'intents' },
      { ...binding, sort: 'updated_at' },
      { ...binding, order: 'asc' as const },
      { ...binding, filters: { name: 'other' } },
      { ...binding, filters: { name: 'echo', status: 'accepted' } },
      { ...binding, filters: {} },
    ]) {
      const error = refusal(() => decodeCursor(cursor, other, 'timestamptz'));
      expect(error).toMatchObject({ status: 400, code: 'invalid_cursor' });
      expect(error.errors).toEqual([{ field: 'cursor', reason: expect.stringMatching(/filters/) }]);
    }
  });

  it.each([
    ['not base64url', '!!!'],
    ['not JSON', Buffer.from('{oops').toString('base64url')],
    ['JSON but not an object', Buffer.from('[1,2]').toString('base64url')],
    ['too long', 'A'.repeat(MAX_CURSOR_LENGTH + 1)],
  ])('refuses a cursor that is %s, naming the field', (_what, cursor) => {
    const error = refusal(() => decodeCursor(cursor, binding, 'timestamptz'));
    expect(error).toMatchObject({ status: 400, code: 'invalid_cursor' });
    expect(error.errors?.[0].field).toBe('cursor');
  });

  it.each<[string, Record<string, unknown>]>([
    ['another version', { v: 2 }],
    ['a negative id', { i: -1 }],
    ['a fractional id', { i: 1.5 }],
    ['an id past int4', { i: 2 ** 31 }],
    ['a string id', { i: '1' }],
    ['a key of the wrong type', { k: 7 }],
    ['a timestamp without microseconds', { k: '2026-12-01T20:18:41.123Z' }],
    ['an impossible timestamp', { k: '2026-13-45T20:18:41.123456Z' }],
    ['a day that does not exist', { k: '2026-02-30T20:18:41.123456Z' }],
    ['year zero', { k: '0000-01-01T00:00:00.000000Z' }],
    ['an altered binding', { b: 'A'.repeat(22) }],
    ['an extra field', { x: 1 }],
  ])('refuses a tampered cursor with %s', (_what, change) => {
    const cursor = reencode(encodeCursor({ key: KEY, id: 42 }, binding), change);
    expect(refusal(() => decodeCursor(cursor, binding, 'timestamptz'))).toMatchObject({
      status: 400,
      errors: [{ field: 'cursor', reason: expect.any(String) }],
    });
  });

  it('checks integer keys as integers and text keys for length', () => {
    const byId = { ...binding, sort: 'id' };
    expect(decodeCursor(encodeCursor({ key: 9, id: 9 }, byId), byId, 'integer')).toEqual({
      key: 9,
      id: 9,
    });
    const text = reencode(encodeCursor({ key: 9, id: 9 }, byId), { k: '9' });
    expect(refusal(() => decodeCursor(text, byId, 'integer')).status).toBe(400);
    const nul = encodeCursor({ key: 'a\u0000b', id: 1 }, byId);
    expect(refusal(() => decodeCursor(nul, byId, 'text')).status).toBe(400);
    const long = encodeCursor({ key: 'x'.repeat(300), id: 1 }, byId);
    expect(refusal(() => decodeCursor(long, byId, 'text')).status).toBe(400);
  });
});

describe('PageQuery validation', () => {
  const pipe = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: validationFailed,
  });
  const parse = (query: Record<string, string>) =>
    pipe.transform(query, { type: 'query', metatype: PageQuery }) as Promise<PageQuery>;

  it('defaults to page 1, 20 items, desc, estimated totals, no cursor', async () => {
    const query = await parse({});
    expect({ ...query, skip: query.skip }).toEqual({
      limit: 20,
      order: 'desc',
      count: 'estimated',
      skip: 0,
    });
  });

  it('refuses cursor together with page, and counts outside the enum', async () => {
    await expect(parse({ cursor: 'abc', page: '2' })).rejects.toMatchObject({
      errors: [{ field: 'cursor', reason: expect.stringMatching(/page/) }],
    });
    await expect(parse({ count: 'maybe' })).rejects.toMatchObject({
      errors: [{ field: 'count', reason: expect.any(String) }],
    });
    await expect(parse({ cursor: 'a+b/c=' })).rejects.toMatchObject({
      errors: [{ field: 'cursor', reason: expect.any(String) }],
    });
    await expect(parse({ cursor: 'a'.repeat(MAX_CURSOR_LENGTH + 1) })).rejects.toMatchObject({
      errors: [{ field: 'cursor', reason: expect.any(String) }],
    });
    expect((await parse({ cursor: 'abc', count: 'none' })).cursor).toBe('abc');
  });
});
