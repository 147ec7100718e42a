import { Controller, Get, Module } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { ApiModule } from '../../src/app.module';
import { CurrentPrincipal, RequirePermission } from '../../src/auth/auth.decorators';
import { Principal } from '../../src/auth/principal';
import { startApi } from '../support/app';
import {
  authHeader,
  jwksRequestCount,
  rotateSigningKey,
  signToken,
  testJwksUrl,
} from '../support/auth';
import { ConfigOverrides } from '../support/config';

@Controller('oidc-probe')
class OidcProbeController {
  @Get()
  @RequirePermission('read')
  read(@CurrentPrincipal() principal: Principal): { tenant: string; roles: string[] } {
    return { tenant: principal.tenant, roles: [...principal.roles].sort() };
  }
}

@Module({ imports: [ApiModule], controllers: [OidcProbeController] })
class OidcProbeModule {}

/** Each test boots its own app with the settings it is about, and closes it. */
async function withApp(
  env: ConfigOverrides,
  work: (http: ReturnType<typeof request>) => Promise<void>,
): Promise<void> {
  const app: NestExpressApplication = await startApi(env, OidcProbeModule);
  try {
    await work(request(app.getHttpServer()));
  } finally {
    await app.close();
  }
}

describe('OIDC key handling and claim settings (loopback issuer)', () => {
  it('caches the JWKS and picks up a rotated key, refusing a withdrawn one', async () => {
    // Without the verified-token cache: with it, a withdrawn key's tokens pass for at most
    // AUTH_TOKEN_CACHE_SECONDS more (README, Authentication).
    await withApp(
      { auth: { OIDC_JWKS_COOLDOWN_SECONDS: '0', AUTH_TOKEN_CACHE_SECONDS: '0' } },
      async (http) => {
        const before = await jwksRequestCount();
        const oldToken = await authHeader();
        await http.get('/api/v1/oidc-probe').set('Authorization', oldToken).expect(200);
        await http.get('/api/v1/oidc-probe').set('Authorization', oldToken).expect(200);
        expect(await jwksRequestCount()).toBe(before + 1);

        await rotateSigningKey(true);
        await http
          .get('/api/v1/oidc-probe')
          .set('Authorization', await authHeader())
          .expect(200);
        expect(await jwksRequestCount()).toBe(before + 2);
        const res = await http.get('/api/v1/oidc-probe').set('Authorization', oldToken).expect(401);
        expect(res.body.code).toBe('invalid_token');
      },
    );
  });

  it('does not refetch the JWKS for unknown key ids within the cooldown', async () => {
    await withApp({ auth: { OIDC_JWKS_COOLDOWN_SECONDS: '60' } }, async (http) => {
      await http
        .get('/api/v1/oidc-probe')
        .set('Authorization', await authHeader())
        .expect(200);
      const fetched = await jwksRequestCount();
      for (let attempt = 0; attempt < 3; attempt++) {
        const bogus = await authHeader({ kid: `bogus-${attempt}` });
        await http.get('/api/v1/oidc-probe').set('Authorization', bogus).expect(401);
      }
      expect(await jwksRequestCount()).toBe(fetched);
    });
  });

  it('uses OIDC_JWKS_URL without discovery', async () => {
    const issuer = 'https://idp.invalid/realms/nemo';
    await withApp(
      { auth: { OIDC_ISSUER_URL: issuer, OIDC_JWKS_URL: await testJwksUrl() } },
      async (http) => {
        await http
          .get('/api/v1/oidc-probe')
          .set('Authorization', await authHeader({ issuer }))
          .expect(200);
      },
    );
  });

  it('answers 503 problem+json when the identity provider cannot be reached', async () => {
    const issuer = 'http://127.0.0.1:9/realms/nemo';
    await withApp(
      { auth: { OIDC_ISSUER_URL: issuer, OIDC_HTTP_TIMEOUT_MS: '1000' } },
      async (http) => {
        const res = await http
          .get('/api/v1/oidc-probe')
          .set('Authorization', await authHeader({ issuer }))
          .expect(503);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.code).toBe('identity_provider_unavailable');
        await http.get('/api/v1/oidc-probe').expect(401);
      },
    );
  });

  it('accepts any audience when OIDC_AUDIENCE is unset', async () => {
    await withApp({ auth: { OIDC_AUDIENCE: '' } }, async (http) => {
      await http
        .get('/api/v1/oidc-probe')
        .set('Authorization', await authHeader({ audience: 'account' }))
        .expect(200);
    });
  });

  it('reads roles and the tenant from configured claims and role names', async () => {
    const env = {
      auth: {
        AUTH_ROLE_CLAIMS: 'groups',
        AUTH_TENANT_CLAIM: 'org.id,azp',
        AUTH_ROLE_READER: 'viewers',
      },
    };
    await withApp(env, async (http) => {
      const token = await signToken({ sub: 'u', azp: 'portal', groups: ['viewers'] });
      const res = await http
        .get('/api/v1/oidc-probe')
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      expect(res.body).toEqual({ tenant: 'portal', roles: ['reader'] });
      await http
        .get('/api/v1/oidc-probe')
        .set('Authorization', await authHeader({ roles: ['reader'] }))
        .expect(403);
    });
  });

  it('protects /metrics when METRICS_PUBLIC=false: service or admin role only', async () => {
    await withApp({ auth: { METRICS_PUBLIC: 'false' } }, async (http) => {
      await http.get('/metrics').expect(401);
      await http
        .get('/metrics')
        .set('Authorization', await authHeader({ roles: ['writer'] }))
        .expect(403);
      const res = await http
        .get('/metrics')
        .set('Authorization', await authHeader({ roles: ['service'] }))
        .expect(200);
      expect(res.text).toContain('# HELP');
      await http.get('/healthz').expect(200);
    });
  });
});
