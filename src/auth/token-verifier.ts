import { Inject, Injectable, Logger } from '@nestjs/common';
import { errors, JWTPayload, jwtVerify } from 'jose';
import { DomainError } from '../common/errors/domain-error';
import { AuthConfig } from '../config/slices/auth.config';
import { IdentityProviderUnavailableError, UnauthorizedError } from './auth.errors';
import { VERIFICATION_KEYS, VerificationKeys } from './verification-keys';
import { VerifiedTokenCache } from './verified-token-cache';

/** Asymmetric algorithms only: a JWKS never holds shared secrets, and `none` is never accepted. */
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** jose failures that mean the identity provider (not the token) is at fault. */
const PROVIDER_FAILURES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

/** Checks a bearer token's signature, `exp`/`nbf`, issuer and audience; one path for OIDC and dev mode. */
@Injectable()
export class TokenVerifier {
  private readonly logger = new Logger(TokenVerifier.name);
  private readonly verified: VerifiedTokenCache;

  constructor(
    @Inject(VERIFICATION_KEYS) private readonly keys: VerificationKeys,
    private readonly config: AuthConfig,
  ) {
    this.verified = new VerifiedTokenCache(
      config.AUTH_TOKEN_CACHE_MAX_ENTRIES,
      config.AUTH_TOKEN_CACHE_SECONDS * 1000,
    );
  }

  async verify(token: string): Promise<JWTPayload> {
    const known = this.verified.get(token);
    if (known) return known;
    const payload = await this.check(token);
    this.verified.remember(token, payload);
    return payload;
  }

  private async check(token: string): Promise<JWTPayload> {
    const maxLifetime = this.config.AUTH_MAX_TOKEN_LIFETIME_SECONDS;
    try {
      const { payload } = await jwtVerify(token, this.keys.getKey, {
        issuer: this.keys.issuer,
        audience: this.keys.audience,
        algorithms: ALGORITHMS,
        clockTolerance: this.config.OIDC_CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
        // Also requires `iat` and refuses one in the future.
        ...(maxLifetime > 0 ? { maxTokenAge: maxLifetime } : {}),
      });
      if (maxLifetime > 0) checkLifetime(payload, maxLifetime);
      return payload;
    } catch (error) {
      throw this.toDomainError(error);
    }
  }

  private toDomainError(error: unknown): DomainError {
    if (error instanceof DomainError) return error;
    if (error instanceof errors.JWTExpired && error.claim === 'iat') {
      return new UnauthorizedError(
        'token_expired',
        `The token's "iat" claim is more than ${this.config.AUTH_MAX_TOKEN_LIFETIME_SECONDS} s ago`,
      );
    }
    if (error instanceof errors.JWTExpired)
      return new UnauthorizedError('token_expired', 'The token has expired');
    if (error instanceof errors.JWTClaimValidationFailed) return claimRefusal(error);
    if (error instanceof errors.JOSEError && !PROVIDER_FAILURES.has(error.code)) {
      return new UnauthorizedError(
        'invalid_token',
        'The token is malformed or its signature does not verify',
      );
    }
    this.logger.error(
      `Fetching the issuer's signing keys failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    return new IdentityProviderUnavailableError(
      'The identity provider cannot be reached; try again later',
      Math.max(1, this.config.OIDC_RETRY_INTERVAL_SECONDS),
    );
  }
}

function claimRefusal(error: errors.JWTClaimValidationFailed): UnauthorizedError {
  if (error.reason === 'missing') {
    const why = error.claim === 'iat' ? ": it is needed to check the token's lifetime" : '';
    return new UnauthorizedError('invalid_token', `The token has no "${error.claim}" claim${why}`);
  }
  return new UnauthorizedError(
    'invalid_token',
    `The token's "${error.claim}" claim is not accepted`,
  );
}

/** `exp` − `iat` beyond the maximum: a token minted to live (nearly) forever is refused. */
function checkLifetime(payload: JWTPayload, maxLifetime: number): void {
  const lifetime = (payload.exp ?? 0) - (payload.iat ?? 0);
  if (lifetime <= maxLifetime) return;
  throw new UnauthorizedError(
    'invalid_token',
    `The token's "exp" claim lies ${lifetime} s after its "iat" claim; ` +
      `tokens may live at most ${maxLifetime} s`,
  );
}
