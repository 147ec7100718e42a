import { raw } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { BadRequestError, DomainError } from '../errors/domain-error';
import { assertNoForbiddenInput } from './forbidden-input';
import { checkJsonStructure, JsonLimits } from './json-structure';

export interface JsonBodyOptions extends JsonLimits {
  /** Largest body, after decompression (express/bytes syntax: `1mb`). */
  limit: string;
}

/** The media types read as JSON: `application/json` and the `+json` suffix types. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

interface BodyParserError {
  type?: string;
  status: number;
  message: string;
  /** zlib's code (Z_DATA_ERROR, Z_BUF_ERROR, …) when decompressing failed. */
  code?: string;
}

const REASONS: Record<string, { code: string; title: string; detail: () => string }> = {
  'entity.too.large': {
    code: 'body_too_large',
    title: 'Content Too Large',
    detail: () => 'The body is larger than the server accepts',
  },
  'encoding.unsupported': {
    code: 'unsupported_content_encoding',
    title: 'Unsupported Media Type',
    detail: () => 'Content-Encoding must be identity, gzip, deflate or br',
  },
  'charset.unsupported': {
    code: 'unsupported_charset',
    title: 'Unsupported Media Type',
    detail: () => 'JSON bodies must be UTF-8',
  },
};

/** body-parser's errors (http-errors): a status, and a `type` for the ones it raises itself. */
function isBodyParserError(error: unknown): error is BodyParserError {
  return typeof (error as Partial<BodyParserError> | null)?.status === 'number';
}

/**
 * A decompression failure (a body sent as `Content-Encoding: gzip` that is not gzip) reaches us as
 * zlib's error with a 400 status and no `type`: it is the client's fault like any unreadable body.
 */
function toDomainError(error: unknown): unknown {
  if (!isBodyParserError(error) || error.status >= 500) return error;
  const reason = error.type === undefined ? undefined : REASONS[error.type];
  if (!reason) {
    const detail = error.code?.startsWith('Z_')
      ? `The body is not encoded as its Content-Encoding says (${error.code})`
      : `The body could not be read: ${error.message}`;
    return new DomainError(error.status, 'unreadable_body', 'Bad Request', detail);
  }
  return new DomainError(error.status, reason.code, reason.title, reason.detail());
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes → value, cheapest check first: nesting depth and value count in one linear pass over the
 * bytes, then JSON.parse, then NUL characters, lone surrogates and prototype keys anywhere in the
 * result.
 */
export function parseJsonBody(bytes: Buffer, limits: JsonLimits): unknown {
  if (bytes.length === 0) return {};
  checkJsonStructure(bytes, limits);
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new BadRequestError(
      'malformed_body',
      `The body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (value === null || typeof value !== 'object') {
    throw new BadRequestError('malformed_body', 'The body must be a JSON object or array');
  }
  assertNoForbiddenInput(value);
  return value;
}

function charsetOf(request: Request): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '');
  return match?.[1].toLowerCase();
}

/**
 * JSON bodies (any `+json` type) read with express's raw reader — size limit after decompression,
 * gzip/deflate/br — and parsed by parseJsonBody; every failure is a problem+json error with a code.
 * Other media types are left unread for the route to accept or refuse (RequireBodyTypeGuard).
 */
export function jsonBody(options: JsonBodyOptions): RequestHandler {
  const read = raw({ type: JSON_MEDIA_TYPES, limit: options.limit, inflate: true });
  return (request: Request, response: Response, next: NextFunction) =>
    read(request, response, (error?: unknown) => {
      if (error) return next(toDomainError(error));
      if (!Buffer.isBuffer(request.body)) return next();
      const charset = charsetOf(request);
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        return next(toDomainError({ status: 415, type: 'charset.unsupported', message: charset }));
      }
      try {
        request.body = parseJsonBody(request.body, options);
        next();
      } catch (parseError) {
        next(parseError);
      }
    });
}
