import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { startApi } from '../support/app';

/**
 * Walks every operation of the live OpenAPI document and calls it without a token: anything but
 * 401 means a route ships unprotected. The only public operations are the probes, which a load
 * balancer or kubelet must reach without credentials. (Routes hidden from the document — /metrics,
 * /api/asyncapi.json, the dev JWKS — are covered by the auth e2e tests; Swagger UI and
 * /api/docs-json are served by Express outside Nest's router and never reach the guard.)
 */
const PUBLIC_OPERATIONS = new Set(['GET /healthz', 'GET /readyz']);

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
type Method = (typeof METHODS)[number];

interface Parameter {
  name: string;
  in: string;
  schema?: { type?: string; format?: string; enum?: unknown[] };
}

interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  security?: Array<Record<string, string[]>>;
}

interface OpenApiDocument {
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components?: { securitySchemes?: Record<string, unknown> };
}

/** A value that passes the route's own param pipes, so nothing but the guard can answer first. */
function dummy(parameter: Parameter | undefined): string {
  const schema = parameter?.schema ?? {};
  if (schema.enum && schema.enum.length > 0) return String(schema.enum[0]);
  if (schema.format === 'uuid') return '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
  if (schema.type === 'integer' || schema.type === 'number') return '1';
  return 'a';
}

function concretePath(path: string, operation: Operation): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    dummy(
      operation.parameters?.find((parameter) => parameter.in === 'path' && parameter.name === name),
    ),
  );
}

describe('Route protection (every documented operation)', () => {
  let app: NestExpressApplication;
  let http: ReturnType<typeof request>;
  let document: OpenApiDocument;
  let operations: Array<{ key: string; method: Method; path: string; operation: Operation }>;

  beforeAll(async () => {
    app = await startApi();
    http = request(app.getHttpServer());
    document = (await http.get('/api/docs-json').expect(200)).body as OpenApiDocument;
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => {
        const operation = item[method] as Operation;
        return {
          key: `${method.toUpperCase()} ${path}`,
          method,
          path: concretePath(path, operation),
          operation,
        };
      }),
    );
  });

  afterAll(async () => {
    await app.close();
  });

  it('documents the bearer scheme', () => {
    expect(document.components?.securitySchemes?.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
  });

  it('lists the public operations it allows, and each still exists', () => {
    const keys = new Set(operations.map((entry) => entry.key));
    for (const key of PUBLIC_OPERATIONS) expect(keys).toContain(key);
    expect(keys.size).toBeGreaterThan(PUBLIC_OPERATIONS.size);
  });

  it('answers 401 problem+json to every other operation called without a token', async () => {
    const unprotected: string[] = [];
    for (const { key, method, path } of operations.filter(
      (entry) => !PUBLIC_OPERATIONS.has(entry.key),
    )) {
      const res = await http[method](path);
      const isProblem =
        method === 'head' ||
        /^application\/problem\+json/.test(String(res.headers['content-type']));
      if (res.status !== 401 || !isProblem)
        unprotected.push(`${key} (called ${path}) → ${res.status}`);
    }
    expect(unprotected).toEqual([]);
  });

  it('marks every protected operation with the bearer requirement, so Swagger UI sends the token', () => {
    const unmarked = operations
      .filter((entry) => !PUBLIC_OPERATIONS.has(entry.key))
      .filter((entry) => !entry.operation.security?.some((requirement) => 'bearer' in requirement))
      .map((entry) => entry.key);
    expect(unmarked).toEqual([]);
  });

  it('refuses a garbage token on every protected operation', async () => {
    const accepted: string[] = [];
    for (const { key, method, path } of operations.filter(
      (entry) => !PUBLIC_OPERATIONS.has(entry.key),
    )) {
      const res = await http[method](path).set(
        'Authorization',
        'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
      );
      if (res.status !== 401) accepted.push(`${key} → ${res.status}`);
    }
    expect(accepted).toEqual([]);
  });
});
