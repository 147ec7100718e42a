import type { SchemaObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../common/errors/problem';
import { CLAIM_MAX_LENGTH } from '../common/validation/bounds';

export const PROBLEM_SCHEMA_NAME = 'ProblemDetails';
export const FIELD_ERROR_SCHEMA_NAME = 'FieldError';
export const PROBLEM_REF = `#/components/schemas/${PROBLEM_SCHEMA_NAME}`;

/** One refused field of a 400/409/422 answer, as src/common/errors/problem.ts FieldError. */
export const FIELD_ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'One refused input field.',
  required: ['field', 'reason'],
  properties: {
    field: {
      type: 'string',
      description:
        'JSON path of the field, snake_case as on the wire (e.g. `intent_expectations[0].expectation_verb`).',
      example: 'version',
    },
    reason: {
      type: 'string',
      description: 'Why the value was refused.',
      example: 'version must be a semantic version',
    },
  },
};

/** RFC 9457 problem details: the body of every error answer (src/common/errors/problem.ts). */
export const PROBLEM_DETAILS_SCHEMA: SchemaObject = {
  type: 'object',
  description: `RFC 9457 problem details, sent as \`${PROBLEM_CONTENT_TYPE}\` with every error status.`,
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: {
      type: 'string',
      format: 'uri',
      description: 'Identifies the problem type; derived from `code`.',
      maxLength: 256,
      example: 'https://nemo.eu/problems/validation-failed',
    },
    title: {
      type: 'string',
      maxLength: 64,
      description: 'Short summary of the HTTP status.',
      example: 'Bad Request',
    },
    status: {
      type: 'integer',
      format: 'int32',
      minimum: 400,
      maximum: 599,
      description: 'The HTTP status code.',
      example: 400,
    },
    detail: {
      type: 'string',
      description: 'Human-readable explanation of this occurrence.',
      example: 'Invalid request: check version',
    },
    instance: {
      type: 'string',
      // The request line counts against Node's 16 KiB header limit (431 beyond).
      maxLength: CLAIM_MAX_LENGTH,
      description: 'The request path.',
      example: '/api/v1/workloads',
    },
    code: {
      type: 'string',
      maxLength: 64,
      pattern: '^[a-z][a-z0-9_]*$',
      description: 'Stable machine-readable error code (snake_case); clients branch on it.',
      example: 'validation_failed',
    },
    request_id: {
      type: 'string',
      maxLength: 128,
      description: 'Correlates the answer with the server logs.',
      example: '42',
    },
    errors: {
      type: 'array',
      description: 'Every refused field, when the input was invalid.',
      items: { $ref: `#/components/schemas/${FIELD_ERROR_SCHEMA_NAME}` },
    },
  },
};

/** The `content` of an error response: problem+json with the shared schema. */
export function problemContent(): Record<string, { schema: { $ref: string } }> {
  return { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: PROBLEM_REF } } };
}

/** Default descriptions of the error statuses this API answers with. */
export const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid request: `errors[]` lists each refused field (code `validation_failed`), or a malformed id or body.',
  401: 'Missing, invalid or expired bearer token (codes `missing_token`, `invalid_token`, `token_expired`).',
  403: 'The bearer token is valid but its roles do not grant the permission this route needs, or it names no tenant or an invalid one (`tenant_missing`, `tenant_invalid`).',
  404: 'No such resource for the caller (resources of other tenants answer 404 too).',
  409: 'The request conflicts with the current state of the resource.',
  413: 'The request body is larger than the server accepts.',
  415: 'The request body has a media type this route does not accept.',
  422: 'The request is well-formed but cannot be carried out (a business rule refused it).',
  429: 'Too many requests from this client: retry after the `Retry-After` header (seconds).',
  500: 'Unexpected server error; it was logged with the `request_id`.',
  503: 'A dependency (identity provider, database, broker) is unavailable; retry after the `Retry-After` header (seconds).',
};
