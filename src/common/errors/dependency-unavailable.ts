import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';

/**
 * Errors that mean "a backing service cannot be reached or is going away" rather than "this
 * request is wrong": a connection was refused, lost or timed out, PostgreSQL is shutting down or
 * starting up, or a statement ran past DATABASE_STATEMENT_TIMEOUT_MS. The problem filter answers
 * them with 503 (retry later) instead of 500. Network errors carry no sign of which client raised
 * them, so `postgresql` is said only when the error is PostgreSQL's own.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs: admin/crash shutdown, cannot connect now, too many connections, statement timeout. */
const SERVER_STATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);

/** What node-postgres says when a connection ends under a query or a pool wait times out. */
const CLIENT_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /^Client has encountered a connection error and is not queryable/,
];

/**
 * TypeORM releases a query runner whose connection failed; the transaction's next statement or its
 * ROLLBACK then throws one of these instead of the connection error (both seen when PostgreSQL
 * stops under load).
 */
const RELEASED_RUNNER = [QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError];

interface MaybeDriverError {
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

export type Unavailable = 'postgresql' | 'a backing service';

export function unavailableDependency(error: unknown, depth = 0): Unavailable | undefined {
  if (typeof error !== 'object' || error === null || depth > 3) return undefined;
  const { code, message, driverError, cause } = error as MaybeDriverError;
  if (RELEASED_RUNNER.some((released) => error instanceof released)) return 'postgresql';
  // SQLSTATE class 08: connection exception.
  if (typeof code === 'string' && (SERVER_STATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)))
    return 'postgresql';
  if (typeof message === 'string' && CLIENT_MESSAGES.some((pattern) => pattern.test(message)))
    return 'postgresql';
  // TypeORM wraps the driver's error (QueryFailedError.driverError); Node wraps in `cause`.
  if (driverError !== undefined && unavailableDependency(driverError, depth + 1))
    return 'postgresql';
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'a backing service';
  return unavailableDependency(cause, depth + 1);
}
