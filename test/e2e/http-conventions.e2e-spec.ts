import SwaggerParser from '@apidevtools/swagger-parser';
import { Body, Controller, Module, Post } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import request from 'supertest';
import { ApiModule } from '../../src/app.module';
import { Public } from '../../src/auth/auth.decorators';
import { ProblemDetails } from '../../src/common/errors/problem';
import { startApi } from '../support/app';

class EchoDto {
  @ApiProperty() @IsString() @MaxLength(20) name!: string;
  @ApiProperty() @IsInt() @Min(1) @Max(10) replicas!: number;
}

@Public()
@Controller('probe-echo')
class EchoController {
  @Post()
  echo(@Body() body: EchoDto): EchoDto {
    return body;
  }
}

/** The real api role plus one throwaway route, to exercise the global HTTP conventions. */
@Module({ imports: [ApiModule], controllers: [EchoController] })
class ProbeModule {}

describe('HTTP conventions (real services)', () => {
  let app: NestExpressApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    app = await startApi({ http: { HTTP_BODY_LIMIT: '2kb' } }, ProbeModule);
    http = request(app.getHttpServer());
  });

  afterAll(async () => {
    await app.close();
  });

  const expectProblem = (body: ProblemDetails, status: number): void => {
    expect(body).toMatchObject({
      status,
      type: expect.stringMatching(/^https:\/\//),
      title: expect.any(String),
    });
    expect(body.detail).toEqual(expect.any(String));
  };

  it('answers liveness and readiness with every dependency up', async () => {
    await http.get('/healthz').expect(200, { status: 'ok' });
    const ready = await http.get('/readyz').expect(200);
    expect(ready.body.status).toBe('ok');
    for (const name of ['postgresql', 'redis', 'rabbitmq', 's3']) {
      expect(ready.body.info[name].status).toBe('up');
    }
  });

  it('serves routes under /api/v1 and echoes a valid body', async () => {
    await http
      .post('/api/v1/probe-echo')
      .send({ name: 'a', replicas: 2 })
      .expect(201, { name: 'a', replicas: 2 });
    await http.post('/probe-echo').send({ name: 'a', replicas: 2 }).expect(404);
  });

  it('answers a malformed JSON body with a problem+json 400', async () => {
    const res = await http
      .post('/api/v1/probe-echo')
      .set('Content-Type', 'application/json')
      .send('{"name": "a",')
      .expect(400)
      .expect('Content-Type', /application\/problem\+json/);
    expectProblem(res.body, 400);
    expect(res.body.code).toBe('malformed_body');
  });

  it('names an unknown field', async () => {
    const res = await http
      .post('/api/v1/probe-echo')
      .send({ name: 'a', replicas: 1, colour: 'red' })
      .expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expectProblem(res.body, 400);
    expect(res.body.errors).toEqual([
      { field: 'colour', reason: 'property colour should not exist' },
    ]);
  });

  it('names a field of the wrong type and each broken rule', async () => {
    const res = await http
      .post('/api/v1/probe-echo')
      .send({ name: 7, replicas: 'many' })
      .expect(400);
    const fields = (res.body as ProblemDetails).errors?.map((error) => error.field);
    expect(new Set(fields)).toEqual(new Set(['name', 'replicas']));
    expect(res.body.errors).toContainEqual({
      field: 'replicas',
      reason: 'replicas must be an integer number',
    });
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await http
      .post('/api/v1/probe-echo')
      .send({ name: 'x'.repeat(4096), replicas: 1 })
      .expect(413);
    expect(res.body.code).toBe('body_too_large');
  });

  it('answers an unknown route with a problem+json 404', async () => {
    const res = await http.get('/api/v1/nowhere').expect(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('route_not_found');
  });

  it('sets security headers and echoes or creates a request id', async () => {
    const res = await http.get('/healthz').set('X-Request-Id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers.etag).toBeUndefined();
    const generated = await http.get('/healthz');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('exports Prometheus metrics including HTTP latency by route', async () => {
    await http.get('/healthz');
    const res = await http.get('/metrics').expect(200);
    expect(res.text).toMatch(/http_request_duration_seconds_bucket\{.*route="\/healthz".*\}/);
    expect(res.text).toContain('outbox_depth');
  });

  it('serves Swagger UI and a valid OpenAPI 3 document', async () => {
    const ui = await http.get('/api/docs/').expect(200);
    expect(ui.text).toContain('swagger-ui');
    const doc = await http.get('/api/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(doc.body))).resolves.toBeDefined();
  });
});
