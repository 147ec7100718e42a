import { Controller, Get, Module } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ApiModule } from '../../src/app.module';
import { RequirePermission } from '../../src/auth/auth.decorators';
import { startApi } from '../support/app';
import { authHeader } from '../support/auth';
import { ConfigOverrides, mergeOverrides } from '../support/config';

@Controller('throttle-probe')
class ThrottleProbeController {
  @Get()
  @RequirePermission('read')
  read(): { ok: true } {
    return { ok: true };
  }

  @Get('other')
  @RequirePermission('read')
  other(): { ok: true } {
    return { ok: true };
  }
}

@Module({ imports: [ApiModule], controllers: [ThrottleProbeController] })
class ThrottleProbeModule {}

/** Counters live in Redis under QUEUE_PREFIX: a fresh prefix keeps other files' requests out of them. */
const isolatedLimits = (limits: ConfigOverrides): ConfigOverrides =>
  mergeOverrides({ redis: { QUEUE_PREFIX: `nemo-test-rl-${randomUUID().slice(0, 8)}` } }, limits);

describe('Rate limiting per client (Redis counters)', () => {
  const apps: NestExpressApplication[] = [];
  const boot = async (env: ConfigOverrides): Promise<ReturnType<typeof request>> => {
    const app = await startApi(env, ThrottleProbeModule);
    apps.push(app);
    return request(app.getHttpServer());
  };

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('answers 429 problem+json with Retry-After once a subject exceeds the per-minute limit, across routes', async () => {
    const http = await boot(
      isolatedLimits({ auth: { RATE_LIMIT_PER_MINUTE: '4', RATE_LIMIT_BURST: '100' } }),
    );
    const alice = await authHeader({ subject: 'alice', roles: ['reader'] });
    for (const path of [
      '/api/v1/throttle-probe',
      '/api/v1/throttle-probe/other',
      '/api/v1/throttle-probe',
      '/api/v1/throttle-probe/other',
    ]) {
      await http.get(path).set('Authorization', alice).expect(200);
    }
    const res = await http.get('/api/v1/throttle-probe').set('Authorization', alice).expect(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 429, code: 'rate_limited' });
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(30);
    expect(retryAfter).toBeLessThanOrEqual(60);

    const bob = await authHeader({ subject: 'bob', roles: ['reader'] });
    await http.get('/api/v1/throttle-probe').set('Authorization', bob).expect(200);
  });

  it('limits bursts per second', async () => {
    const http = await boot(
      isolatedLimits({ auth: { RATE_LIMIT_PER_MINUTE: '1000', RATE_LIMIT_BURST: '3' } }),
    );
    const carol = await authHeader({ subject: 'carol', roles: ['reader'] });
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () =>
        http
          .get('/api/v1/throttle-probe')
          .set('Authorization', carol)
          .then((res) => res),
      ),
    );
    expect(statuses.filter((res) => res.status === 200)).toHaveLength(3);
    const limited = statuses.filter((res) => res.status === 429);
    expect(limited).toHaveLength(3);
    expect(limited[0].headers['retry-after']).toBe('1');
  });

  it('states the limits on every answer: RateLimit-Policy and RateLimit per window, Retry-After on 429', async () => {
    const http = await boot(
      isolatedLimits({ auth: { RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_BURST: '100' } }),
    );
    const dave = await authHeader({ subject: 'dave', roles: ['reader'] });
    const first = await http.get('/api/v1/throttle-probe').set('Authorization', dave).expect(200);
    expect(first.headers['ratelimit-policy']).toBe('"burst";q=100;w=1, "minute";q=3;w=60');
    expect(first.headers.ratelimit).toMatch(/^"burst";r=99;t=1, "minute";r=2;t=\d+$/);
    expect(first.headers['x-ratelimit-limit-burst']).toBeUndefined();
    const unauthenticated = await http.get('/api/v1/throttle-probe').expect(401);
    expect(unauthenticated.headers['ratelimit-policy']).toBeDefined();
    await http.get('/api/v1/throttle-probe').set('Authorization', dave).expect(200);
    const last = await http.get('/api/v1/throttle-probe').set('Authorization', dave).expect(200);
    expect(last.headers.ratelimit).toMatch(/"minute";r=0;t=\d+$/);
    const refused = await http.get('/api/v1/throttle-probe').set('Authorization', dave).expect(429);
    expect(refused.headers.ratelimit).toMatch(/"minute";r=0;t=\d+$/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const probe = await http.get('/healthz').expect(200);
    expect(probe.headers.ratelimit).toBeUndefined();
  });

  it('sends Access-Control-Allow-Origin only to the origins CORS_ALLOWED_ORIGINS lists (none by default)', async () => {
    const closed = await boot(isolatedLimits({}));
    const eve = await authHeader({ subject: 'eve', roles: ['reader'] });
    const none = await closed
      .get('/api/v1/throttle-probe')
      .set('Authorization', eve)
      .set('Origin', 'https://portal.example.eu')
      .expect(200);
    expect(none.headers['access-control-allow-origin']).toBeUndefined();

    const open = await boot(
      isolatedLimits({ http: { CORS_ALLOWED_ORIGINS: 'https://portal.example.eu' } }),
    );
    const allowed = await open
      .get('/api/v1/throttle-probe')
      .set('Authorization', eve)
      .set('Origin', 'https://portal.example.eu')
      .expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://portal.example.eu');
    expect(allowed.headers['access-control-expose-headers']).toContain('RateLimit');
    const other = await open
      .get('/api/v1/throttle-probe')
      .set('Authorization', eve)
      .set('Origin', 'https://evil.example')
      .expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await open
      .options('/api/v1/throttle-probe')
      .set('Origin', 'https://portal.example.eu')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
  });

  it('limits callers without a valid token by IP, and never throttles probes', async () => {
    const http = await boot(
      isolatedLimits({ auth: { RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_BURST: '100' } }),
    );
    for (let attempt = 0; attempt < 3; attempt++) {
      await http.get('/api/v1/throttle-probe').set('Authorization', 'Bearer garbage').expect(401);
    }
    await http.get('/api/v1/throttle-probe').expect(429);
    for (let attempt = 0; attempt < 10; attempt++) await http.get('/healthz').expect(200);
    await http.get('/metrics').expect(200);
  });
});
