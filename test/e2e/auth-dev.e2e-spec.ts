import { Controller, Get, Module, Post } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ApiModule } from '../../src/app.module';
import { CurrentPrincipal, RequirePermission } from '../../src/auth/auth.decorators';
import { DevTokenService } from '../../src/auth/dev-token.service';
import { Principal } from '../../src/auth/principal';
import { startApi } from '../support/app';
import { authHeader } from '../support/auth';

interface Caller {
  subject: string;
  tenant: string;
  roles: string[];
}

const caller = (principal: Principal): Caller => ({
  subject: principal.subject,
  tenant: principal.tenant,
  roles: [...principal.roles].sort(),
});

@Controller('dev-probe')
class DevProbeController {
  @Get()
  @RequirePermission('read')
  read(@CurrentPrincipal() principal: Principal): Caller {
    return caller(principal);
  }

  @Post()
  @RequirePermission('write')
  write(@CurrentPrincipal() principal: Principal): Caller {
    return caller(principal);
  }

  @Post('report')
  @RequirePermission('report')
  report(@CurrentPrincipal() principal: Principal): Caller {
    return caller(principal);
  }
}

@Module({ imports: [ApiModule], controllers: [DevProbeController] })
class DevProbeModule {}

describe('AUTH_MODE=dev', () => {
  let dir: string;
  let tokenFile: string;
  let app: NestExpressApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nemo-dev-token-'));
    tokenFile = join(dir, 'nested', 'dev-token');
    app = await startApi(
      { auth: { AUTH_MODE: 'dev', AUTH_DEV_TOKEN_FILE: tokenFile } },
      DevProbeModule,
    );
    http = request(app.getHttpServer());
  });

  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to start with NODE_ENV=production', async () => {
    await expect(startApi({ auth: { AUTH_MODE: 'dev', NODE_ENV: 'production' } })).rejects.toThrow(
      /AUTH_MODE=dev is for local development only and is refused when NODE_ENV=production/,
    );
  });

  it('writes the dev token to AUTH_DEV_TOKEN_FILE, readable by the owner only', async () => {
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(token).toBe(app.get(DevTokenService).devToken);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
  });

  it('lets the dev token read, write and report in the dev tenant', async () => {
    const bearer = `Bearer ${(await readFile(tokenFile, 'utf8')).trim()}`;
    const res = await http.get('/api/v1/dev-probe').set('Authorization', bearer).expect(200);
    expect(res.body).toEqual({ subject: 'dev-user', tenant: 'dev', roles: ['service', 'writer'] });
    await http.post('/api/v1/dev-probe').set('Authorization', bearer).expect(201);
    await http.post('/api/v1/dev-probe/report').set('Authorization', bearer).expect(201);
  });

  it('still requires a token, and trusts no other issuer', async () => {
    await http.get('/api/v1/dev-probe').expect(401);
    await http
      .get('/api/v1/dev-probe')
      .set('Authorization', await authHeader())
      .expect(401);
  });

  it('serves the public JWKS and discovery document that verify the dev token', async () => {
    const discovery = await http.get('/api/v1/dev/.well-known/openid-configuration').expect(200);
    expect(discovery.body.jwks_uri).toBe(`${discovery.body.issuer}/jwks.json`);
    const jwks = await http.get('/api/v1/dev/jwks.json').expect(200);
    expect(jwks.body.keys).toHaveLength(1);
    expect(jwks.body.keys[0]).not.toHaveProperty('d');
    const { payload } = await jwtVerify(
      app.get(DevTokenService).devToken ?? '',
      createLocalJWKSet(jwks.body),
      {
        issuer: discovery.body.issuer,
        audience: 'nemo-intent-api',
      },
    );
    expect(payload.sub).toBe('dev-user');
  });
});

describe('AUTH_MODE=oidc', () => {
  it('serves no dev JWKS and writes no dev token', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nemo-dev-token-'));
    const app = await startApi({ auth: { AUTH_DEV_TOKEN_FILE: join(dir, 'dev-token') } });
    try {
      const res = await request(app.getHttpServer()).get('/api/v1/dev/jwks.json').expect(404);
      expect(res.body.code).toBe('route_not_found');
      expect(app.get(DevTokenService).devToken).toBeUndefined();
      await expect(stat(join(dir, 'dev-token'))).rejects.toThrow(/ENOENT/);
    } finally {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
