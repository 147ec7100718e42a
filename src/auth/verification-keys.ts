import { Logger } from '@nestjs/common';
import { createRemoteJWKSet, errors, JWTVerifyGetKey } from 'jose';
import { AuthConfig } from '../config/slices/auth.config';
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

/** The JWKS in use: where it came from, until when that is trusted, whether fetching it failed. */
interface KeySource {
  url: string;
  getKey: JWTVerifyGetKey;
  freshUntil: number;
  broken: boolean;
}

const UNAVAILABLE = 'The identity provider cannot be reached; try again later';

/** Failures of the key set that are the token's fault; any other failure is the provider's. */
function isTokenFault(error: unknown): boolean {
  return (
    error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys
  );
}

/**
 * The issuer's JWKS, from OIDC_JWKS_URL or the discovery document. jose caches the keys, refetches
 * when a token names an unknown `kid` (a rotated key) and waits OIDC_JWKS_COOLDOWN_SECONDS between
 * such refetches, so bogus kids cannot hammer the issuer. The discovery document is read again
 * after OIDC_DISCOVERY_CACHE_SECONDS and after the keys could not be fetched, so a changed or
 * repaired `jwks_uri` is picked up without a restart. After a failure the provider is asked again
 * at most once per OIDC_RETRY_INTERVAL_SECONDS: meanwhile requests answer 503 with Retry-After
 * (or keep using the last working key set when only the re-discovery failed).
 */
export class OidcKeys implements VerificationKeys {
  readonly issuer: string;
  readonly audience?: string;
  private readonly logger = new Logger(OidcKeys.name);
  private source?: KeySource;
  private discovering?: Promise<KeySource>;
  /** Epoch ms before which a failed provider is not asked again. */
  private retryAt = 0;

  constructor(private readonly config: AuthConfig) {
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
    const source = await this.currentSource();
    try {
      return await source.getKey(header, token);
    } catch (error) {
      if (isTokenFault(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error(`Fetching the issuer's signing keys from ${source.url} failed: ${reason}`);
      source.broken = true;
      throw this.unavailable();
    }
  };

  private async currentSource(): Promise<KeySource> {
    const now = Date.now();
    const usable = this.source && !this.source.broken ? this.source : undefined;
    if (usable && now < usable.freshUntil) return usable;
    if (now < this.retryAt) {
      if (usable) return usable;
      throw this.unavailable();
    }
    this.discovering ??= this.rediscover(usable).finally(() => {
      this.discovering = undefined;
    });
    return this.discovering;
  }

  /** A working key set at an unchanged URL is kept with its cached keys; a failed discovery keeps it too. */
  private async rediscover(usable: KeySource | undefined): Promise<KeySource> {
    let url: string;
    try {
      url = await this.jwksUrl();
    } catch (error) {
      if (usable) return usable;
      throw error;
    }
    const freshUntil = Date.now() + this.config.OIDC_DISCOVERY_CACHE_SECONDS * 1000;
    if (usable && usable.url === url) {
      usable.freshUntil = freshUntil;
      return usable;
    }
    this.retryAt = 0;
    this.source = { url, getKey: this.remoteKeySet(url), freshUntil, broken: false };
    return this.source;
  }

  private remoteKeySet(url: string): JWTVerifyGetKey {
    return createRemoteJWKSet(new URL(url), {
      timeoutDuration: this.config.OIDC_HTTP_TIMEOUT_MS,
      cooldownDuration: this.config.OIDC_JWKS_COOLDOWN_SECONDS * 1000,
      cacheMaxAge: this.config.OIDC_JWKS_CACHE_SECONDS * 1000,
    });
  }

  /** The 503 of a failed provider; its Retry-After is the time until the provider is asked again. */
  private unavailable(): IdentityProviderUnavailableError {
    const interval = this.config.OIDC_RETRY_INTERVAL_SECONDS * 1000;
    if (Date.now() >= this.retryAt) this.retryAt = Date.now() + interval;
    const seconds = Math.max(1, Math.ceil((this.retryAt - Date.now()) / 1000));
    return new IdentityProviderUnavailableError(UNAVAILABLE, seconds);
  }

  private async jwksUrl(): Promise<string> {
    if (this.config.OIDC_JWKS_URL) return new URL(this.config.OIDC_JWKS_URL).href;
    const discovery = `${this.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    try {
      const response = await fetch(discovery, {
        signal: AbortSignal.timeout(this.config.OIDC_HTTP_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const document = (await response.json()) as DiscoveryDocument;
      if (typeof document.jwks_uri !== 'string')
        throw new Error('no jwks_uri in the discovery document');
      return new URL(document.jwks_uri).href;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error(`OIDC discovery at ${discovery} failed: ${reason}`);
      throw this.unavailable();
    }
  }
}
