import { Logger } from '@nestjs/common';
import { createRemoteJWKSet, JWTVerifyGetKey } from 'jose';
import { AppConfig } from '../config/app-config';
import { IdentityProviderUnavailableError } from './auth.errors';

/** What a token is checked against: the keys, the expected issuer and (optionally) audience. */
export interface VerificationKeys {
  readonly issuer: string;
  readonly audience?: string;
  readonly getKey: JWTVerifyGetKey;
}

export const VERIFICATION_KEYS = Symbol('VERIFICATION_KEYS');

interface DiscoveryDocument {
  jwks_uri?: unknown;
}

/**
 * The issuer's JWKS, from OIDC_JWKS_URL or the discovery document (looked up once, retried after a
 * failure). jose caches the keys, refetches when a token names an unknown `kid` (a rotated key) and
 * waits OIDC_JWKS_COOLDOWN_SECONDS between such refetches, so bogus kids cannot hammer the issuer.
 */
export class OidcKeys implements VerificationKeys {
  readonly issuer: string;
  readonly audience?: string;
  private readonly logger = new Logger(OidcKeys.name);
  private remote?: Promise<JWTVerifyGetKey>;

  constructor(private readonly config: AppConfig) {
    if (!config.OIDC_ISSUER_URL) {
      throw new Error(
        'OIDC_ISSUER_URL is not set: set it to the OIDC issuer (e.g. https://keycloak.example/realms/nemo) ' +
          'or, on a development machine, start with AUTH_MODE=dev',
      );
    }
    this.issuer = config.OIDC_ISSUER_URL;
    this.audience = config.OIDC_AUDIENCE;
    if (!this.audience) {
      this.logger.warn(
        'OIDC_AUDIENCE is not set: tokens the issuer made for any client are accepted',
      );
    }
  }

  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const keySet = await this.keySet();
    return keySet(header, token);
  };

  /** Resolved once; a failed discovery is forgotten so the next request tries again. */
  private keySet(): Promise<JWTVerifyGetKey> {
    if (this.remote) return this.remote;
    const remote = this.jwksUrl().then((url) =>
      createRemoteJWKSet(url, {
        timeoutDuration: this.config.OIDC_HTTP_TIMEOUT_MS,
        cooldownDuration: this.config.OIDC_JWKS_COOLDOWN_SECONDS * 1000,
        cacheMaxAge: this.config.OIDC_JWKS_CACHE_SECONDS * 1000,
      }),
    );
    remote.catch(() => {
      if (this.remote === remote) this.remote = undefined;
    });
    this.remote = remote;
    return remote;
  }

  private async jwksUrl(): Promise<URL> {
    if (this.config.OIDC_JWKS_URL) return new URL(this.config.OIDC_JWKS_URL);
    const discovery = `${this.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    try {
      const response = await fetch(discovery, {
        signal: AbortSignal.timeout(this.config.OIDC_HTTP_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const document = (await response.json()) as DiscoveryDocument;
      if (typeof document.jwks_uri !== 'string')
        throw new Error('no jwks_uri in the discovery document');
      return new URL(document.jwks_uri);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error(`OIDC discovery at ${discovery} failed: ${reason}`);
      throw new IdentityProviderUnavailableError(
        'The identity provider cannot be reached; try again later',
      );
    }
  }
}
