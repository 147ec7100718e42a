import type { OpenAPIObject, OperationObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { finalizeOpenApiDocument } from './finalize-document';
import { INTENT_NOTIFY_MESSAGE } from '../contract';

const ok: ResponseObject = { description: 'OK' };
const problemRef = { schema: { $ref: '#/components/schemas/ProblemDetails' } };
const problem = (description: string): ResponseObject => ({
  description,
  content: { 'application/problem+json': problemRef },
});
const problemResponse = problem('Failed.');
/** What @RequirePermission declares on every token route. */
const TOKEN_ANSWERS = {
  '401': problem('No token.'),
  '403': problem('No role.'),
  '429': problem('Slow.'),
  '503': problem('Down.'),
};

function documentWith(
  paths: OpenAPIObject['paths'],
  schemas: Record<string, SchemaObject> = {},
): OpenAPIObject {
  return { openapi: '3.0.0', info: { title: 't', version: '1' }, paths, components: { schemas } };
}

const operation = (
  document: OpenAPIObject,
  path: string,
  method: 'get' | 'post' = 'get',
): OperationObject => document.paths[path][method] as OperationObject;

describe('finalizeOpenApiDocument', () => {
  describe('error responses', () => {
    it('keeps declared error responses and refuses one without content', () => {
      const problem = {
        description: 'Taken.',
        content: { 'application/problem+json': problemRef },
      };
      const report = {
        description: 'Report.',
        content: { 'application/json': { schema: { type: 'object' } } },
      };
      const document = finalizeOpenApiDocument(
        documentWith({
          '/things': { get: { responses: { '200': ok, '409': problem, '503': report } } },
        }),
      );
      const responses = operation(document, '/things').responses;
      expect(responses['409']).toMatchObject(problem);
      expect(responses['503']).toMatchObject(report);
      expect(document.components?.schemas?.ProblemDetails).toMatchObject({
        required: ['type', 'title', 'status', 'detail', 'code'],
      });
      expect(() =>
        finalizeOpenApiDocument(
          documentWith({
            '/things': { get: { responses: { '200': ok, '422': { description: 'No.' } } } },
          }),
        ),
      ).toThrow(
        'GET /things documents 422 without content: declare errors with @ApiProblemResponses',
      );
    });

    it('adds the errors a route of its shape can answer, and no others', () => {
      const document = finalizeOpenApiDocument(
        documentWith({
          '/things/{id}': {
            post: {
              security: [{ bearer: [] }],
              parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
              requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
              responses: { '201': ok, ...TOKEN_ANSWERS },
            },
          },
          '/ping': { get: { responses: { '200': ok } } },
        }),
      );
      const secured = operation(document, '/things/{id}', 'post');
      expect(Object.keys(secured.responses)).toEqual([
        '201',
        '400',
        '401',
        '403',
        '404',
        '413',
        '415',
        '429',
        '500',
        '503',
      ]);
      expect((secured.responses['429'] as ResponseObject).headers).toHaveProperty('Retry-After');
      expect((secured.responses['503'] as ResponseObject).headers).toHaveProperty('Retry-After');
      expect((secured.responses['401'] as ResponseObject).headers).toHaveProperty(
        'WWW-Authenticate',
      );
      const open = operation(document, '/ping');
      expect(Object.keys(open.responses)).toEqual(['200', '500']);
      expect(open.security).toEqual([]);
    });
  });

  describe('response headers', () => {
    it('declares CORS on every answer, the rate limit on 2xx/4xx of token routes, Retry-After on 429', () => {
      const document = finalizeOpenApiDocument(
        documentWith({
          '/secured': {
            get: {
              security: [{ bearer: [] }],
              responses: { '200': ok, ...TOKEN_ANSWERS },
            },
          },
          '/open': { get: { responses: { '200': ok } } },
        }),
      );
      const header = (name: string) => ({ $ref: `#/components/headers/${name}` });
      const secured = operation(document, '/secured').responses;
      expect(Object.keys((secured['200'] as ResponseObject).headers ?? {})).toEqual([
        'Access-Control-Allow-Origin',
        'RateLimit',
        'RateLimit-Policy',
      ]);
      expect((secured['429'] as ResponseObject).headers).toMatchObject({
        RateLimit: header('RateLimit'),
        'Retry-After': header('Retry-After'),
      });
      expect((secured['401'] as ResponseObject).headers).toMatchObject({
        'WWW-Authenticate': header('WWW-Authenticate'),
      });
      expect(Object.keys((secured['500'] as ResponseObject).headers ?? {})).toEqual([
        'Access-Control-Allow-Origin',
      ]);
      const open = operation(document, '/open').responses;
      expect(Object.keys((open['200'] as ResponseObject).headers ?? {})).toEqual([
        'Access-Control-Allow-Origin',
      ]);
      expect(Object.keys(document.components?.headers ?? {}).sort()).toEqual([
        'Access-Control-Allow-Origin',
        'RateLimit',
        'RateLimit-Policy',
        'Retry-After',
        'WWW-Authenticate',
      ]);
    });
  });

  describe('schemas', () => {
    it('names inline enums of a registered value set and folds enum components of another name', () => {
      const document = finalizeOpenApiDocument(
        documentWith(
          {
            '/things': {
              get: {
                parameters: [
                  {
                    name: 'verb',
                    in: 'query',
                    schema: { type: 'string', enum: ['ENSURE', 'DELIVER'] },
                  },
                ],
                responses: { '200': ok },
              },
            },
          },
          {
            Thing: {
              type: 'object',
              properties: {
                status: {
                  type: 'string',
                  enum: ['pending', 'onboarding', 'accepted', 'rejected'],
                  description: 'Now.',
                },
                condition: { $ref: '#/components/schemas/TargetCondition' },
                colour: { type: 'string', enum: ['red', 'green'] },
              },
            },
            TargetCondition: {
              type: 'string',
              enum: [
                'IS_EQUAL_TO',
                'IS_LESS_THAN',
                'IS_GREATER_THAN',
                'IS_WITHIN_RANGE',
                'IS_OUTSIDE_RANGE',
                'IS_ONE_OF',
                'IS_NOT_ONE_OF',
                'IS_EQUAL_TO_OR_LESS_THAN',
                'IS_EQUAL_TO_OR_GREATER_THAN',
              ],
            },
          },
        ),
      );
      const schemas = document.components?.schemas ?? {};
      expect(operation(document, '/things').parameters?.[0]).toMatchObject({
        schema: { $ref: '#/components/schemas/ExpectationVerb' },
      });
      expect((schemas.Thing as SchemaObject).properties).toEqual({
        status: { description: 'Now.', allOf: [{ $ref: '#/components/schemas/WorkloadStatus' }] },
        condition: { $ref: '#/components/schemas/Condition' },
        colour: { type: 'string', enum: ['red', 'green'] },
      });
      expect(schemas.TargetCondition).toBeUndefined();
      expect(Object.keys(schemas)).toEqual(
        expect.arrayContaining(['Condition', 'ExpectationVerb', 'WorkloadStatus']),
      );
      expect((schemas.WorkloadStatus as SchemaObject).enum).toEqual([
        'pending',
        'onboarding',
        'accepted',
        'rejected',
      ]);
    });

    it('makes nullable mean "or null" (OpenAPI 3.0.3), unwraps a lone allOf, leaves ids as declared', () => {
      const document = finalizeOpenApiDocument(
        documentWith(
          {
            '/things/{id}': {
              get: {
                parameters: [
                  { name: 'id', in: 'path', required: true, schema: { type: 'number' } },
                ],
                responses: { '200': ok },
              },
            },
          },
          {
            Report: { type: 'object', properties: { id: { type: 'number' } } },
            Thing: {
              type: 'object',
              properties: {
                id: { type: 'number' },
                workload_document_id: { type: 'number' },
                observation_period: { type: 'number' },
                report: { nullable: true, allOf: [{ $ref: '#/components/schemas/Report' }] },
                value: { nullable: true, oneOf: [{ type: 'number' }, { type: 'string' }] },
                wrapped: { allOf: [{ $ref: '#/components/schemas/Report' }] },
              },
            },
          },
        ),
      );
      const thing = document.components?.schemas?.Thing as SchemaObject;
      expect(thing.properties).toEqual({
        id: { type: 'number' },
        workload_document_id: { type: 'number' },
        observation_period: { type: 'number' },
        report: {
          nullable: true,
          type: 'object',
          allOf: [{ $ref: '#/components/schemas/Report' }],
        },
        value: { oneOf: [{ type: 'number', nullable: true }, { type: 'string' }] },
        wrapped: { $ref: '#/components/schemas/Report' },
      });
    });

    it("gives a response schema that shares a seed message's fields that message as example", () => {
      const document = finalizeOpenApiDocument(
        documentWith(
          {},
          {
            IntentResponse: {
              type: 'object',
              required: ['id', 'created_at'],
              properties: {
                id: { type: 'integer', example: 1 },
                user_label: { type: 'string' },
                created_at: { type: 'string', format: 'date-time' },
              },
            },
          },
        ),
      );
      const example = (document.components?.schemas?.IntentResponse as SchemaObject)
        .example as Record<string, unknown>;
      expect(example).toEqual({ ...INTENT_NOTIFY_MESSAGE, created_at: expect.any(String) });
      expect(example.id).toBe(28);
    });
  });

  describe('tags and order', () => {
    const messy = documentWith({
      '/z': {
        post: {
          tags: ['zeta'],
          responses: { '500': problemResponse, '201': ok },
        },
        get: { tags: ['health'], responses: { '200': ok } },
      },
      '/a': { get: { tags: ['workloads'], responses: { '200': ok } } },
    });

    it('lists the tags in use, known ones first in their fixed order', () => {
      const tags = finalizeOpenApiDocument(messy).tags?.map((tag) => tag.name);
      expect(tags).toEqual(['workloads', 'health', 'zeta']);
    });

    it('sorts paths, methods and statuses, and is idempotent', () => {
      const once = finalizeOpenApiDocument(messy);
      expect(Object.keys(once.paths)).toEqual(['/a', '/z']);
      expect(Object.keys(once.paths['/z'])).toEqual(['get', 'post']);
      expect(Object.keys(operation(once, '/z', 'post').responses)).toEqual(['201', '500']);
      expect(JSON.stringify(finalizeOpenApiDocument(once))).toBe(JSON.stringify(once));
    });
  });
});
