import { DomainError } from '../common/errors/domain-error';

const REALM = 'nemo-intent-api';

/** RFC 6750 §3: a 401 names the scheme; an invalid token also names the error. */
export class UnauthorizedError extends DomainError {
  readonly wwwAuthenticate: string;

  constructor(code: 'missing_token' | 'invalid_token' | 'token_expired', detail: string) {
    super(401, code, 'Unauthorized', detail);
    const quoted = detail.replace(/["\\]/g, "'");
    this.wwwAuthenticate =
      code === 'missing_token'
        ? `Bearer realm="${REALM}"`
        : `Bearer realm="${REALM}", error="invalid_token", error_description="${quoted}"`;
  }
}

export class ForbiddenError extends DomainError {
  constructor(code: string, detail: string) {
    super(403, code, 'Forbidden', detail);
  }
}

/**
 * The identity provider (discovery document or JWKS) could not be reached: not the caller's fault.
 * The problem-details filter copies `retryAfterSeconds` into the Retry-After header.
 */
export class IdentityProviderUnavailableError extends DomainError {
  constructor(
    detail: string,
    readonly retryAfterSeconds: number,
  ) {
    super(503, 'identity_provider_unavailable', 'Service Unavailable', detail);
  }
}

/** The problem-details filter copies `retryAfterSeconds` into the Retry-After header. */
export class TooManyRequestsError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      429,
      'rate_limited',
      'Too Many Requests',
      `Too many requests from this client; retry after ${retryAfterSeconds} s`,
    );
  }
}
