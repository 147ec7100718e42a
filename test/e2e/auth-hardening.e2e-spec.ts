import { Controller, Get, Module, Req } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { Request } from 'express';
import { CryptoKey, exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { ApiModule } from '../../src/app.module';
import { Public, RequirePermission } from '../../src/auth/auth.decorators';
import { startApi } from '../support/app';
import { TEST_AUDIENCE } from '../support/auth';
import { ConfigOverrides, mergeOverrides } from '../support/config';

@Controller('hardening-probe')
class HardeningProbeController {
  @Get()
  @RequirePermission('read')
  read(): { ok: true } {
    return { ok: true };
  }

  /** The client address as logging and the rate limiter see it (Express's req.ip). */
  @Get('client')
  @Public()
  client(@Req() request: Request): { ip: string | undefined } {
    return { ip: request.ip };
  }
}

@Module({ imports: [ApiModule], controllers: [HardeningProbeController] })
class HardeningProbeModule {}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256' } };
}

/**
 * An OIDC issuer on loopback whose discovery document and key sets the test changes at will:
 * `jwksPath` is what discovery names, `keySets` what each path serves (others answer 404).
 */
class SwitchableIssuer {
  url = '';
  discoveryStatus = 200;
  jwksPath = '/certs-1';
  keySets = new Map<string, SigningKey[]>();
  discoveryRequests = 0;
  private readonly server: Server = createServer((req, res) => this.answer(req.url ?? '', res));

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.server.unref();
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/realms/switch`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Signs a token; `iat`/`exp` in seconds relative to now (`iat: null` leaves it out). */
  sign(
    key: SigningKey,
    times: { iat?: number | null; exp?: number } = {},
    roles = ['nemo-reader'],
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      sub: 'hardening',
      tenant: 'tenant-h',
      realm_access: { roles },
      exp: now + (times.exp ?? 300),
    };
    if (times.iat !== null) claims.iat = now + (times.iat ?? 0);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
      .setIssuer(this.url)
      .setAudience(TEST_AUDIENCE)
      .sign(key.privateKey);
  }

  private answer(path: string, res: ServerResponse): void {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close' });
      res.end(JSON.stringify(body));
    };
    const base = new URL(this.url).pathname;
    if (path === `${base}/.well-known/openid-configuration`) {
      this.discoveryRequests += 1;
      if (this.discoveryStatus !== 200) return send(this.discoveryStatus, { error: 'down' });
      return send(200, { issuer: this.url, jwks_uri: `${this.url}${this.jwksPath}` });
    }
    const keys = this.keySets.get(path.slice(base.length));
    if (keys) return send(200, { keys: keys.map((key) => key.jwk) });
    send(404, { error: 'not_found' });
  }
}

const PROBE = '/api/v1/hardening-probe';

describe('Authentication hardening', () => {
  let issuer: SwitchableIssuer;
  let first: SigningKey;
  let second: SigningKey;

  beforeAll(async () => {
    [first, second] = await Promise.all([newKey(), newKey()]);
  });

  beforeEach(async () => {
    issuer = new SwitchableIssuer();
    issuer.keySets.set('/certs-1', [first]);
    await issuer.start();
  });

  afterEach(() => issuer.stop());

  async function withApp(
    env: ConfigOverrides,
    work: (http: ReturnType<typeof request>) => Promise<void>,
  ): Promise<void> {
    const app: NestExpressApplication = await startApi(
      mergeOverrides({ auth: { OIDC_ISSUER_URL: issuer.url, OIDC_HTTP_TIMEOUT_MS: '2000' } }, env),
      HardeningProbeModule,
    );
    try {
      await work(request(app.getHttpServer()));
    } finally {
      await app.close();
    }
  }

  const bearer = async (key: SigningKey, times?: { iat?: number | null; exp?: number }) =>
    `Bearer ${await issuer.sign(key, times)}`;

  describe('OIDC discovery', () => {
    it('re-discovers after OIDC_DISCOVERY_CACHE_SECONDS: a moved jwks_uri is followed without a restart', async () => {
      const env = { auth: { OIDC_DISCOVERY_CACHE_SECONDS: '1', OIDC_JWKS_COOLDOWN_SECONDS: '60' } };
      await withApp(env, async (http) => {
        await http
          .get(PROBE)
          .set('Authorization', await bearer(first))
          .expect(200);
        issuer.keySets.set('/certs-2', [second]);
        issuer.jwksPath = '/certs-2';
        const early = await http.get(PROBE).set('Authorization', await bearer(second));
        expect(early.status).toBe(401);
        expect(issuer.discoveryRequests).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 1100));
        await http
          .get(PROBE)
          .set('Authorization', await bearer(second))
          .expect(200);
        expect(issuer.discoveryRequests).toBe(2);
      });
    });

    it('re-discovers after the keys could not be fetched: a broken jwks_uri is repaired without a restart', async () => {
      issuer.jwksPath = '/missing';
      await withApp({ auth: { OIDC_RETRY_INTERVAL_SECONDS: '0' } }, async (http) => {
        const broken = await http.get(PROBE).set('Authorization', await bearer(first));
        expect(broken.status).toBe(503);
        expect(broken.body.code).toBe('identity_provider_unavailable');
        expect(broken.headers['retry-after']).toBe('1');
        issuer.jwksPath = '/certs-1';
        await http
          .get(PROBE)
          .set('Authorization', await bearer(first))
          .expect(200);
        expect(issuer.discoveryRequests).toBe(2);
      });
    });

    it('answers 503 with Retry-After and leaves a failed provider alone for OIDC_RETRY_INTERVAL_SECONDS', async () => {
      issuer.discoveryStatus = 500;
      await withApp({ auth: { OIDC_RETRY_INTERVAL_SECONDS: '30' } }, async (http) => {
        for (let attempt = 0; attempt < 3; attempt++) {
          const res = await http.get(PROBE).set('Authorization', await bearer(first));
          expect(res.status).toBe(503);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          const retryAfter = Number(res.headers['retry-after']);
          expect(retryAfter).toBeGreaterThanOrEqual(1);
          expect(retryAfter).toBeLessThanOrEqual(30);
        }
        expect(issuer.discoveryRequests).toBe(1);
      });
    });

    it('keeps the last working key set when only a re-discovery fails', async () => {
      await withApp({ auth: { OIDC_DISCOVERY_CACHE_SECONDS: '1' } }, async (http) => {
        await http
          .get(PROBE)
          .set('Authorization', await bearer(first))
          .expect(200);
        issuer.discoveryStatus = 500;
        await new Promise((resolve) => setTimeout(resolve, 1100));
        await http
          .get(PROBE)
          .set('Authorization', await bearer(first))
          .expect(200);
        expect(issuer.discoveryRequests).toBe(2);
      });
    });
  });

  describe('token lifetime (AUTH_MAX_TOKEN_LIFETIME_SECONDS)', () => {
    it('refuses exp − iat beyond the maximum, naming the claims, and tokens without iat', async () => {
      await withApp({ auth: { AUTH_MAX_TOKEN_LIFETIME_SECONDS: '3600' } }, async (http) => {
        await http
          .get(PROBE)
          .set('Authorization', await bearer(first, { exp: 3600 }))
          .expect(200);
        const refusals: Array<[{ iat?: number | null; exp?: number }, string, RegExp]> = [
          [{ exp: 10 * 365 * 86400 }, 'invalid_token', /"exp" claim lies \d+ s after its "iat"/],
          [{ iat: null }, 'invalid_token', /no "iat" claim/],
          [{ iat: -7200, exp: 600 }, 'token_expired', /"iat" claim/],
          [{ iat: 3600, exp: 4000 }, 'invalid_token', /"iat" claim/],
        ];
        for (const [times, code, detail] of refusals) {
          const res = await http.get(PROBE).set('Authorization', await bearer(first, times));
          expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code });
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(res.body.detail).toMatch(detail);
          expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
        }
      });
    });

    it('accepts any lifetime, and no iat, when the maximum is 0', async () => {
      await withApp({ auth: { AUTH_MAX_TOKEN_LIFETIME_SECONDS: '0' } }, async (http) => {
        await http
          .get(PROBE)
          .set('Authorization', await bearer(first, { exp: 10 * 365 * 86400 }))
          .expect(200);
        await http
          .get(PROBE)
          .set('Authorization', await bearer(first, { iat: null }))
          .expect(200);
      });
    });
  });

  describe('HTTP_TRUST_PROXY', () => {
    const limits = () => ({
      redis: { QUEUE_PREFIX: `nemo-test-tp-${randomUUID().slice(0, 8)}` },
      auth: { RATE_LIMIT_BURST: '3', RATE_LIMIT_PER_MINUTE: '1000' },
    });

    /** Unauthenticated requests are limited per client IP: forged X-Forwarded-For must not escape. */
    const floodWithForgedAddresses = async (http: ReturnType<typeof request>) => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await http.get(PROBE).set('X-Forwarded-For', `203.0.113.${i + 1}`);
        statuses.push(res.status);
      }
      return statuses;
    };

    it('trusts no proxy by default: X-Forwarded-For neither names the client nor escapes the limit', async () => {
      await withApp(limits(), async (http) => {
        const seen = await http
          .get(`${PROBE}/client`)
          .set('X-Forwarded-For', '203.0.113.9')
          .expect(200);
        expect(seen.body.ip).toBe('127.0.0.1');
        const statuses = await floodWithForgedAddresses(http);
        expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
        expect(statuses.slice(3)).toEqual([429, 429]);
      });
    });

    it('takes the client from X-Forwarded-For of a listed proxy, consistently for limits', async () => {
      await withApp(
        mergeOverrides(limits(), { http: { HTTP_TRUST_PROXY: '127.0.0.1/32, 10.0.0.0/8' } }),
        async (http) => {
          const seen = await http
            .get(`${PROBE}/client`)
            .set('X-Forwarded-For', '198.51.100.7, 203.0.113.9')
            .expect(200);
          expect(seen.body.ip).toBe('203.0.113.9');
          expect(await floodWithForgedAddresses(http)).toEqual([401, 401, 401, 401, 401]);
        },
      );
    });

    it('trusts exactly the configured number of hops', async () => {
      await withApp(mergeOverrides(limits(), { http: { HTTP_TRUST_PROXY: '1' } }), async (http) => {
        const seen = await http
          .get(`${PROBE}/client`)
          .set('X-Forwarded-For', '198.51.100.7, 203.0.113.9')
          .expect(200);
        expect(seen.body.ip).toBe('203.0.113.9');
      });
    });

    it('refuses to start with a setting that would trust everyone', async () => {
      await expect(startApi({ http: { HTTP_TRUST_PROXY: 'true' } })).rejects.toThrow(
        /HTTP_TRUST_PROXY/,
      );
    });
  });
});

describe('Retry-After on every 503', () => {
  it('is sent by /readyz when a dependency is down', async () => {
    const app = await startApi({ s3: { AWS_ENDPOINT: 'http://127.0.0.1:9' } });
    try {
      const res = await request(app.getHttpServer()).get('/readyz');
      expect(res.status).toBe(503);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    } finally {
      await app.close();
    }
  });

  it('is declared for every 503 in the committed OpenAPI document', () => {
    const document = JSON.parse(readFileSync('openapi.json', 'utf8')) as {
      paths: Record<string, Record<string, { responses: Record<string, { headers?: object }> }>>;
    };
    const missing = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => operation.responses['503'])
        .filter(([, operation]) => !operation.responses['503'].headers?.['Retry-After' as never])
        .map(([method]) => `${method} ${path}`),
    );
    expect(missing).toEqual([]);
  });
});
