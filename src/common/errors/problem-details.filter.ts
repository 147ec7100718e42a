import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { unavailableDependency } from './dependency-unavailable';
import { DomainError } from './domain-error';
import {
  clip,
  FieldError,
  MAX_LISTED_ERRORS,
  PROBLEM_CONTENT_TYPE,
  ProblemDetails,
  problemType,
} from './problem';

/** The one place errors become HTTP responses: every error is RFC 9457 problem+json. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = this.toProblem(exception);
    problem.instance = request.originalUrl?.split('?')[0];
    problem.request_id = request.id === undefined ? undefined : String(request.id);
    if (problem.status >= 500) this.logger.error(exception);
    if (response.headersSent) return;
    if (problem.status === 429 || problem.status === 503)
      response.setHeader('Retry-After', retryAfter(exception));
    response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown): ProblemDetails {
    if (exception instanceof DomainError) {
      return problem(
        exception.status,
        exception.code,
        exception.message,
        exception.errors,
        exception.title,
      );
    }
    if (exception instanceof HttpException) return fromHttpException(exception);
    const unavailable = unavailableDependency(exception);
    if (unavailable) {
      return problem(
        503,
        'dependency_unavailable',
        `The request could not be completed: ${unavailable} is not reachable right now. ` +
          'Nothing was changed unless a later read shows it; retry after Retry-After seconds.',
      );
    }
    return problem(
      500,
      'internal_error',
      'The server failed to handle the request; it was logged.',
    );
  }
}

function problem(
  status: number,
  code: string,
  detail: string,
  errors?: FieldError[],
  title = STATUS_CODES[status] ?? 'Error',
): ProblemDetails {
  const body: ProblemDetails = { type: problemType(code), title, status, detail, code };
  if (!errors || errors.length === 0) return body;
  body.errors = errors.slice(0, MAX_LISTED_ERRORS).map(({ field, reason }) => ({
    field: clip(field),
    reason: clip(reason),
  }));
  if (errors.length > MAX_LISTED_ERRORS) {
    body.detail = `${detail} (${errors.length} errors, the first ${MAX_LISTED_ERRORS} listed)`;
  }
  return body;
}

function fromHttpException(exception: HttpException): ProblemDetails {
  const status = exception.getStatus();
  const code = (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z]+/g, '_');
  const body = exception.getResponse();
  const message = typeof body === 'string' ? body : (body as { message?: unknown }).message;
  const detail = Array.isArray(message) ? message.join('; ') : String(message ?? exception.message);
  if (status === HttpStatus.NOT_FOUND) return problem(status, 'route_not_found', detail);
  return problem(status, code, detail);
}

/** When an error names no delay (e.g. a dependency's 503): a few seconds, not a hammering loop. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

function retryAfter(exception: unknown): string {
  const seconds = (exception as { retryAfterSeconds?: number }).retryAfterSeconds;
  return String(seconds ?? DEFAULT_RETRY_AFTER_SECONDS);
}
