import { createHash } from 'node:crypto';
import { BadRequestError } from '../errors/domain-error';

/** Longest `cursor` accepted: a position is a sort value of at most MAX_KEY_LENGTH, an id and a digest. */
export const MAX_CURSOR_LENGTH = 512;
const MAX_KEY_LENGTH = 256;
const MAX_ID = 2 ** 31 - 1;
const CURSOR_VERSION = 1;
const BINDING_LENGTH = 22;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** The text form of a timestamptz key: UTC, microseconds (JavaScript dates stop at milliseconds). */
const TIMESTAMP = /^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** How the sort column's value travels in a cursor. */
export type KeyType = 'timestamptz' | 'text' | 'integer';

/** Where the previous page ended: the last row's sort value and id. */
export interface Position {
  key: string | number;
  id: number;
}

/**
 * What a cursor is valid for: the list (resource), its sort, its order and every filter. A cursor
 * carries a digest of this; one used with anything else is refused rather than silently answering
 * a page of some other result.
 */
export interface CursorBinding {
  resource: string;
  sort: string;
  order: 'asc' | 'desc';
  filters: Record<string, string | number | boolean | undefined>;
}

interface CursorBody {
  v: number;
  k: string | number;
  i: number;
  b: string;
}

export function bindingDigest(binding: CursorBinding): string {
  const filters = Object.entries(binding.filters)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = JSON.stringify([binding.resource, binding.sort, binding.order, filters]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, BINDING_LENGTH);
}

export function encodeCursor(position: Position, binding: CursorBinding): string {
  const body: CursorBody = {
    v: CURSOR_VERSION,
    k: position.key,
    i: position.id,
    b: bindingDigest(binding),
  };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

function invalid(reason: string): BadRequestError {
  return new BadRequestError('invalid_cursor', `Invalid cursor: ${reason}`, [
    { field: 'cursor', reason },
  ]);
}

function parseBody(cursor: string): Record<string, unknown> {
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) {
    throw invalid('is not a cursor this API issued');
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('is not a cursor this API issued');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('is not a cursor this API issued');
  }
  const keys = Object.keys(body).sort().join(',');
  if (keys !== 'b,i,k,v') throw invalid('is not a cursor this API issued');
  return body as Record<string, unknown>;
}

const validId = (id: unknown): id is number =>
  Number.isSafeInteger(id) && (id as number) >= 0 && (id as number) <= MAX_ID;

/** A real instant: 2026-02-30 parses in JavaScript but would be a database error. */
function validTimestamp(key: string): boolean {
  if (!TIMESTAMP.test(key)) return false;
  const parsed = new Date(key);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 23) === key.slice(0, 23);
}

function validKey(key: unknown, type: KeyType): key is string | number {
  if (type === 'integer') return validId(key);
  if (typeof key !== 'string' || key.length > MAX_KEY_LENGTH) return false;
  // PostgreSQL text cannot hold a NUL: sent, it would be a database error, not a 400.
  if (type === 'text') return !key.includes('\u0000');
  return validTimestamp(key);
}

/**
 * The position of a cursor issued by encodeCursor for this same binding. Every field is checked;
 * a cursor that is malformed, of another version, altered, or issued for another list, sort, order
 * or filters is a 400 naming `cursor`.
 */
export function decodeCursor(cursor: string, binding: CursorBinding, keyType: KeyType): Position {
  const body = parseBody(cursor);
  if (body.v !== CURSOR_VERSION) throw invalid('was issued by another version of this API');
  if (!validId(body.i) || !validKey(body.k, keyType)) throw invalid('holds an invalid position');
  if (body.b !== bindingDigest(binding)) {
    throw invalid('belongs to another list, sort, order or filters: repeat them as they were');
  }
  return { key: body.k, id: body.i };
}
