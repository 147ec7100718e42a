import {
  createLocalJWKSet,
  CryptoKey,
  exportJWK,
  generateKeyPair,
  JSONWebKeySet,
  JWTVerifyGetKey,
  SignJWT,
} from 'jose';
import { randomUUID } from 'node:crypto';
import { AuthConfig } from '../config/slices/auth.config';
import { HttpConfig } from '../config/slices/http.config';
import { writeClaim } from './claims';
import { claimSettings } from './principal-mapper';
import { AppRole } from './principal';
import { VerificationKeys } from './verification-keys';

const ALGORITHM = 'ES256';
const DEFAULT_AUDIENCE = 'nemo-intent-api';

export const DEV_SUBJECT = 'dev-user';
export const DEV_TENANT = 'dev';
/** Writer + service grant every permission (read, write, report) while still going through tenancy. */
export const DEV_ROLES: readonly AppRole[] = ['writer', 'service'];

export interface OpenIdConfiguration {
  issuer: string;
  jwks_uri: string;
  id_token_signing_alg_values_supported: string[];
}

/**
 * AUTH_MODE=dev: a key pair generated at start-up (never stored), its public JWKS served by the API
 * and verified through the same jwtVerify path as OIDC, only from a local key set.
 */
export class DevIdentity implements VerificationKeys {
  readonly getKey: JWTVerifyGetKey;

  private constructor(
    private readonly config: AuthConfig,
    private readonly privateKey: CryptoKey,
    readonly jwks: JSONWebKeySet,
    readonly issuer: string,
    readonly audience: string,
  ) {
    this.getKey = createLocalJWKSet(jwks);
  }

  static async create(config: AuthConfig, http: HttpConfig): Promise<DevIdentity> {
    const maxLifetime = config.AUTH_MAX_TOKEN_LIFETIME_SECONDS;
    if (maxLifetime > 0 && config.AUTH_DEV_TOKEN_TTL_SECONDS > maxLifetime) {
      throw new Error(
        `AUTH_DEV_TOKEN_TTL_SECONDS (${config.AUTH_DEV_TOKEN_TTL_SECONDS}) exceeds ` +
          `AUTH_MAX_TOKEN_LIFETIME_SECONDS (${maxLifetime}): the dev token would be refused`,
      );
    }
    const { privateKey, publicKey } = await generateKeyPair(ALGORITHM);
    const jwk = { ...(await exportJWK(publicKey)), kid: randomUUID(), alg: ALGORITHM, use: 'sig' };
    const issuer = `http://${http.HOST}:${http.PORT}/api/v1/dev`;
    return new DevIdentity(
      config,
      privateKey,
      { keys: [jwk] },
      issuer,
      config.OIDC_AUDIENCE ?? DEFAULT_AUDIENCE,
    );
  }

  openIdConfiguration(): OpenIdConfiguration {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer}/jwks.json`,
      id_token_signing_alg_values_supported: [ALGORITHM],
    };
  }

  /** The newcomer's token, with roles and tenant where the configured claim paths expect them. */
  issueDevToken(): Promise<string> {
    const settings = claimSettings(this.config);
    const claims: Record<string, unknown> = {};
    const roleNames = DEV_ROLES.map(
      (role) => [...settings.roleMap].find(([, mapped]) => mapped === role)?.[0],
    );
    writeClaim(claims, settings.rolePaths[0] ?? ['realm_access', 'roles'], roleNames);
    writeClaim(claims, settings.tenantPaths[0] ?? ['tenant'], DEV_TENANT);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, kid: this.jwks.keys[0].kid, typ: 'JWT' })
      .setSubject(DEV_SUBJECT)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt()
      .setExpirationTime(`${this.config.AUTH_DEV_TOKEN_TTL_SECONDS}s`)
      .sign(this.privateKey);
  }
}
