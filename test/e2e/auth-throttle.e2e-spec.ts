import { Controller, Get, Module } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ApiModule } from '../../src/app.module';
import { RequirePermission } from '../../src/auth/auth.decorators';
import { startApi } from '../support/app';
import { authHeader } from '../support/auth';

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
const isolatedLimits = (limits: Record<string, string>): Record<string, string> => ({
  QUEUE_PREFIX: `nemo-test-rl-${randomUUID().slice(0, 8)}`,
  ...limits,
});

describe('Rate limiting per client (Redis counters)', () => {
  const apps: NestExpressApplication[] = [];
  const boot = async (env: Record<string, string>): Promise<ReturnType<typeof request>> => {
    const app = await startApi(env, ThrottleProbeModule);
    apps.push(app);
    return request(app.getHttpServer());
  };

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  it('answers 429 problem+json with Retry-After once a subject exceeds the per-minute limit, across routes', async () => {
    const http = await boot(
      isolatedLimits({ RATE_LIMIT_PER_MINUTE: '4', RATE_LIMIT_BURST: '100' }),
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
      isolatedLimits({ RATE_LIMIT_PER_MINUTE: '1000', RATE_LIMIT_BURST: '3' }),
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

  it('limits callers without a valid token by IP, and never throttles probes', async () => {
    const http = await boot(
      isolatedLimits({ RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_BURST: '100' }),
    );
    for (let attempt = 0; attempt < 3; attempt++) {
      await http.get('/api/v1/throttle-probe').set('Authorization', 'Bearer garbage').expect(401);
    }
    await http.get('/api/v1/throttle-probe').expect(429);
    for (let attempt = 0; attempt < 10; attempt++) await http.get('/healthz').expect(200);
    await http.get('/metrics').expect(200);
  });
});
