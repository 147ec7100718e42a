/**
 * A real OIDC issuer on loopback for the tests: discovery document + JWKS served by node:http on
 * 127.0.0.1:0, started lazily once per test file (jest module registry), and tokens signed with its
 * key. startApi() merges testAuthEnv(), so every app trusts this issuer; `authHeader()` mints a token.
 */
import { CryptoKey, exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppRole } from '../../src/auth/principal';

export const TEST_AUDIENCE = 'nemo-intent-api';
const ALGORITHM = 'RS256';
/** Keycloak's layout: the issuer is a realm URL, discovery and certs live under it. */
const REALM_PATH = '/realms/nemo-test';

/** The default token role name of each platform role (AUTH_ROLE_* defaults), put in realm_access.roles. */
export const TEST_ROLE_NAMES: Record<AppRole, string> = {
  reader: 'nemo-reader',
  writer: 'nemo-writer',
  service: 'nemo-service',
  admin: 'nemo-admin',
};

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

interface Issuer {
  url: string;
  server: Server;
  /** Served in the JWKS; the last one signs. */
  keys: SigningKey[];
  /** Never served: signs tokens whose signature must not verify. */
  otherKey: SigningKey;
  jwksRequests: number;
}

let issuer: Promise<Issuer> | undefined;

async function newKey(kid = randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(ALGORITHM);
  return {
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' },
  };
}

async function startIssuer(): Promise<Issuer> {
  const state: Issuer = {
    url: '',
    server: createServer(),
    keys: [await newKey()],
    otherKey: await newKey(),
    jwksRequests: 0,
  };
  state.server.on('request', (request, response) => {
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close' });
      response.end(JSON.stringify(body));
    };
    if (request.url === `${REALM_PATH}/.well-known/openid-configuration`) {
      return send(200, {
        issuer: state.url,
        jwks_uri: `${state.url}/protocol/openid-connect/certs`,
      });
    }
    if (request.url === `${REALM_PATH}/protocol/openid-connect/certs`) {
      state.jwksRequests += 1;
      return send(200, { keys: state.keys.map((key) => key.publicJwk) });
    }
    send(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.server.unref();
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}${REALM_PATH}`;
  return state;
}

function testIssuer(): Promise<Issuer> {
  issuer ??= startIssuer();
  return issuer;
}

/** The settings that make an app trust the test issuer (startApi merges them; caller overrides win). */
export async function testAuthEnv(): Promise<Record<string, string>> {
  const { url } = await testIssuer();
  return {
    AUTH_MODE: 'oidc',
    OIDC_ISSUER_URL: url,
    OIDC_AUDIENCE: TEST_AUDIENCE,
    // Test files share a Redis db per worker and mostly one subject: keep limits out of their way.
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_BURST: '1000000',
  };
}

export interface SignOptions {
  /** Lifetime in seconds from now; negative for an already expired token. Default 300. */
  expiresIn?: number;
  /** Seconds from now before which the token is not valid (`nbf`). */
  notBefore?: number;
  issuer?: string;
  /** `null` leaves `aud` out. */
  audience?: string | string[] | null;
  /** 'other-key' signs with a key the JWKS does not hold (same `kid`): the signature does not verify. */
  signWith?: 'current' | 'other-key';
  /** Overrides the `kid` header (e.g. a kid the issuer never published). */
  kid?: string;
}

/** Signs arbitrary claims as the test issuer (lower level than authHeader). */
export async function signToken(
  claims: Record<string, unknown>,
  options: SignOptions = {},
): Promise<string> {
  const state = await testIssuer();
  const current = state.keys[state.keys.length - 1];
  const key = options.signWith === 'other-key' ? state.otherKey : current;
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid: options.kid ?? current.kid, typ: 'JWT' })
    .setIssuer(options.issuer ?? state.url)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 300));
  if (options.audience !== null) jwt.setAudience(options.audience ?? TEST_AUDIENCE);
  if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
  return jwt.sign(key.privateKey);
}

export interface AuthHeaderOptions extends SignOptions {
  /** Default `user-<tenant>`. */
  subject?: string;
  /** Default 'tenant-a'; `null` leaves the tenant claim out. */
  tenant?: string | null;
  /** Default ['writer']. */
  roles?: AppRole[];
  /** Extra or replacing claims. */
  claims?: Record<string, unknown>;
}

/** "Bearer <jwt>" for a caller of the test issuer. */
export async function authHeader(options: AuthHeaderOptions = {}): Promise<string> {
  const tenant = options.tenant === undefined ? 'tenant-a' : options.tenant;
  const claims: Record<string, unknown> = {
    sub: options.subject ?? `user-${tenant ?? 'none'}`,
    realm_access: { roles: (options.roles ?? ['writer']).map((role) => TEST_ROLE_NAMES[role]) },
    ...(tenant === null ? {} : { tenant }),
    ...options.claims,
  };
  return `Bearer ${await signToken(claims, options)}`;
}

/**
 * Publishes a new signing key (new `kid`) that signs every later token; `dropOld` also withdraws
 * the previous keys from the JWKS, as an issuer finishing a rotation does.
 */
export async function rotateSigningKey(dropOld = false): Promise<string> {
  const state = await testIssuer();
  const key = await newKey();
  state.keys = dropOld ? [key] : [...state.keys, key];
  return key.kid;
}

/** How many times the JWKS has been fetched (to observe caching and the refetch cooldown). */
export async function jwksRequestCount(): Promise<number> {
  return (await testIssuer()).jwksRequests;
}

/** The test issuer's URL (the `iss` of its tokens). */
export async function testIssuerUrl(): Promise<string> {
  return (await testIssuer()).url;
}

/** The test issuer's JWKS URL (what its discovery document names). */
export async function testJwksUrl(): Promise<string> {
  return `${(await testIssuer()).url}/protocol/openid-connect/certs`;
}
