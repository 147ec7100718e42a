import { json } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DomainError } from '../errors/domain-error';

interface BodyParserError {
  type: string;
  status: number;
  message: string;
}

const REASONS: Record<
  string,
  { code: string; title: string; detail: (message: string) => string }
> = {
  'entity.parse.failed': {
    code: 'malformed_body',
    title: 'Bad Request',
    detail: (message) => `The body is not valid JSON: ${message}`,
  },
  'entity.too.large': {
    code: 'body_too_large',
    title: 'Content Too Large',
    detail: () => 'The body is larger than the server accepts',
  },
};

function isBodyParserError(error: unknown): error is BodyParserError {
  const candidate = error as Partial<BodyParserError> | null;
  return typeof candidate?.type === 'string' && typeof candidate.status === 'number';
}

function toDomainError(error: unknown): unknown {
  if (!isBodyParserError(error) || error.status >= 500) return error;
  const reason = REASONS[error.type];
  if (!reason)
    return new DomainError(error.status, 'unreadable_body', 'Bad Request', error.message);
  return new DomainError(error.status, reason.code, reason.title, reason.detail(error.message));
}

/** express.json whose failures become problem+json errors with a code a client can branch on. */
export function jsonBody(limit: string): RequestHandler {
  const parse = json({ limit, strict: true });
  return (request: Request, response: Response, next: NextFunction) =>
    parse(request, response, (error?: unknown) => next(error ? toDomainError(error) : undefined));
}
