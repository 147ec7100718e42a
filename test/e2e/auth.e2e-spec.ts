import { Controller, Get, Module, Post } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { ApiModule } from '../../src/app.module';
import { CurrentPrincipal, RequirePermission } from '../../src/auth/auth.decorators';
import { Principal } from '../../src/auth/principal';
import { startApi } from '../support/app';
import { authHeader, signToken } from '../support/auth';
import { ADMIN_TENANT } from '../../src/auth/principal-mapper';

interface PrincipalView {
  subject: string;
  tenant: string;
  roles: string[];
}

const view = (principal: Principal): PrincipalView => ({
  subject: principal.subject,
  tenant: principal.tenant,
  roles: [...principal.roles].sort(),
});

/** Throwaway routes, one per permission, plus one that forgot to declare any. */
@Controller('auth-probe')
class AuthProbeController {
  @Get()
  @RequirePermission('read')
  read(@CurrentPrincipal() principal: Principal): PrincipalView {
    return view(principal);
  }

  @Post()
  @RequirePermission('write')
  write(@CurrentPrincipal() principal: Principal): PrincipalView {
    return view(principal);
  }

  @Post('report')
  @RequirePermission('report')
  report(@CurrentPrincipal() principal: Principal): PrincipalView {
    return view(principal);
  }

  @Get('undeclared')
  undeclared(): string {
    return 'should never be reached';
  }
}

@Module({ imports: [ApiModule], controllers: [AuthProbeController] })
class AuthProbeModule {}

describe('Authentication and authorization (loopback OIDC issuer)', () => {
  let app: NestExpressApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    app = await startApi({}, AuthProbeModule);
    http = request(app.getHttpServer());
  });

  afterAll(async () => {
    await app.close();
  });

  const expectUnauthorized = async (
    authorization: string | undefined,
    code: string,
  ): Promise<request.Response> => {
    const call = http.get('/api/v1/auth-probe');
    const res = await (authorization === undefined
      ? call
      : call.set('Authorization', authorization));
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      status: 401,
      code,
      title: 'Unauthorized',
      instance: '/api/v1/auth-probe',
    });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="nemo-intent-api"/);
    return res;
  };

  it('accepts a valid token and exposes the principal', async () => {
    const res = await http
      .get('/api/v1/auth-probe')
      .set(
        'Authorization',
        await authHeader({ subject: 'alice', tenant: 'tenant-a', roles: ['reader'] }),
      )
      .expect(200);
    expect(res.body).toEqual({ subject: 'alice', tenant: 'tenant-a', roles: ['reader'] });
  });

  it('answers a missing token with 401 missing_token and a bare Bearer challenge', async () => {
    const res = await expectUnauthorized(undefined, 'missing_token');
    expect(res.headers['www-authenticate']).not.toContain('error=');
  });

  it('refuses a header that is not a bearer token', async () => {
    const res = await expectUnauthorized('Basic dXNlcjpwYXNz', 'invalid_token');
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    await expectUnauthorized('Bearer not-a-jwt', 'invalid_token');
  });

  it('refuses a token signed by a key the issuer never published', async () => {
    const res = await expectUnauthorized(
      await authHeader({ signWith: 'other-key' }),
      'invalid_token',
    );
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await authHeader()).slice('Bearer '.length).split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'mallory', tenant: 'tenant-b' })).toString(
      'base64url',
    );
    await expectUnauthorized(`Bearer ${header}.${forged}.${signature}`, 'invalid_token');
  });

  it('refuses an expired token with token_expired', async () => {
    const res = await expectUnauthorized(await authHeader({ expiresIn: -120 }), 'token_expired');
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('tolerates small clock skew but not a token that is not yet valid', async () => {
    await http
      .get('/api/v1/auth-probe')
      .set('Authorization', await authHeader({ expiresIn: -5 }))
      .expect(200);
    await expectUnauthorized(await authHeader({ notBefore: 600 }), 'invalid_token');
  });

  it('refuses a token from another issuer', async () => {
    const res = await expectUnauthorized(
      await authHeader({ issuer: 'https://evil.example/realms/nemo' }),
      'invalid_token',
    );
    expect(res.body.detail).toContain('"iss"');
  });

  it('refuses a token for another audience, or for none', async () => {
    const res = await expectUnauthorized(
      await authHeader({ audience: 'another-api' }),
      'invalid_token',
    );
    expect(res.body.detail).toContain('"aud"');
    await expectUnauthorized(await authHeader({ audience: null }), 'invalid_token');
  });

  it('refuses a token without a subject', async () => {
    await expectUnauthorized(
      `Bearer ${await signToken({ tenant: 'tenant-a', realm_access: { roles: ['nemo-reader'] } })}`,
      'invalid_token',
    );
  });

  it('lets a reader read but not write (403 problem+json)', async () => {
    const reader = await authHeader({ roles: ['reader'] });
    await http.get('/api/v1/auth-probe').set('Authorization', reader).expect(200);
    const res = await http.post('/api/v1/auth-probe').set('Authorization', reader).expect(403);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 403, code: 'insufficient_permission' });
  });

  it('grants write to writers and admins, report to the service role and admins', async () => {
    const writer = await authHeader({ roles: ['writer'] });
    const service = await authHeader({ roles: ['service'] });
    const admin = await authHeader({ roles: ['admin'] });
    await http.post('/api/v1/auth-probe').set('Authorization', writer).expect(201);
    await http.post('/api/v1/auth-probe').set('Authorization', admin).expect(201);
    await http.post('/api/v1/auth-probe').set('Authorization', service).expect(403);
    await http.post('/api/v1/auth-probe/report').set('Authorization', service).expect(201);
    await http.post('/api/v1/auth-probe/report').set('Authorization', admin).expect(201);
    await http.post('/api/v1/auth-probe/report').set('Authorization', writer).expect(403);
  });

  it('maps client roles from resource_access.<audience>.roles and ignores unknown role names', async () => {
    const token = await signToken({
      sub: 'svc',
      tenant: 'tenant-a',
      realm_access: { roles: ['offline_access', 'uma_authorization'] },
      resource_access: {
        'nemo-intent-api': { roles: ['nemo-service'] },
        account: { roles: ['nemo-admin'] },
      },
    });
    const res = await http
      .get('/api/v1/auth-probe')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(res.body.roles).toEqual(['service']);
  });

  it('refuses a token without any known role (403)', async () => {
    const res = await http
      .get('/api/v1/auth-probe')
      .set('Authorization', await authHeader({ roles: [] }))
      .expect(403);
    expect(res.body.code).toBe('insufficient_permission');
  });

  it('refuses a token without a tenant unless it is an admin', async () => {
    const res = await http
      .get('/api/v1/auth-probe')
      .set('Authorization', await authHeader({ tenant: null, roles: ['writer'] }))
      .expect(403);
    expect(res.body.code).toBe('tenant_missing');
    const admin = await http
      .get('/api/v1/auth-probe')
      .set('Authorization', await authHeader({ subject: 'root', tenant: null, roles: ['admin'] }))
      .expect(200);
    expect(admin.body).toEqual({ subject: 'root', tenant: ADMIN_TENANT, roles: ['admin'] });
  });

  it('fails closed on a route that declares no permission', async () => {
    await http.get('/api/v1/auth-probe/undeclared').expect(401);
    const res = await http
      .get('/api/v1/auth-probe/undeclared')
      .set('Authorization', await authHeader({ roles: ['admin'] }))
      .expect(403);
    expect(res.body.code).toBe('route_not_authorized');
  });

  it('keeps probes and documents public', async () => {
    await http.get('/healthz').expect(200);
    await http.get('/metrics').expect(200);
    await http.get('/api/asyncapi.json').expect(200);
    await http.get('/api/docs-json').expect(200);
    await http.get('/api/docs/').expect(200);
  });
});
