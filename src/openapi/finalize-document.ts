import type {
  OpenAPIObject,
  OperationObject,
  PathItemObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
  TagObject,
} from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../common/errors/problem';
import { withSeedExamples } from './document-examples';
import { nameEnums, tidySchemas } from './document-schemas';
import { RESPONSE_HEADERS, withResponseHeaders } from './response-headers';
import {
  FIELD_ERROR_SCHEMA,
  FIELD_ERROR_SCHEMA_NAME,
  PROBLEM_DESCRIPTIONS,
  PROBLEM_DETAILS_SCHEMA,
  PROBLEM_REF,
  PROBLEM_SCHEMA_NAME,
  problemContent,
} from './problem.schema';

/** Tag groups in the order Swagger UI lists them, with their descriptions. */
export const TAG_DESCRIPTIONS: ReadonlyArray<TagObject> = [
  {
    name: 'workloads',
    description:
      'Workload documents (Helm charts): register, upload the chart package, follow onboarding.',
  },
  {
    name: 'helm-repo',
    description:
      'The NEMO Helm repository (S3, helm-s3 layout) the accepted charts are published to.',
  },
  {
    name: 'instances',
    description:
      'Workload instances: render an accepted chart, expose it through the NEMO ingress, deploy, upgrade ' +
      '(revisions, diff, rollback, dry-run), delete.',
  },
  {
    name: 'clusters',
    description:
      'Target-cluster profiles (platform data): the Kubernetes and API versions helm renders instances for.',
  },
  {
    name: 'intents',
    description:
      'TS 28.312 intents: expectations, targets, contexts, feasibility and fulfilment reports.',
  },
  { name: 'intent-templates', description: 'Ready-made intent templates to create intents from.' },
  { name: 'health', description: 'Liveness and readiness probes (no token needed).' },
];

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Method = (typeof METHODS)[number];

const ERROR_STATUS = /^([45]\d\d|[45]XX|default)$/;

/**
 * Completes the document @nestjs/swagger builds from the decorators, so every route follows the
 * same contract even where a module left something out, and orders it so the committed openapi.json
 * is byte-for-byte reproducible:
 * - every error response is `application/problem+json` with the shared ProblemDetails schema;
 * - the errors every route can answer are added where missing: 400 (parameters or body), 413 and
 *   415 (body),
 *   401/403/429/503 (bearer token; 503 when the identity provider is unreachable), 404 (path
 *   parameters) and 500;
 * - routes without a security requirement say so explicitly (`security: []`);
 * - every response references the shared headers it carries (response-headers.ts): CORS, and the
 *   rate-limit state on the token-protected (so rate-limited) routes;
 * - inline enums with a registered value set become named schemas (named-enums.ts);
 * - `nullable` gets the `type` OpenAPI 3.0.3 needs for it to mean "or null", and a lone `allOf`
 *   wrapper without siblings becomes the schema it wraps;
 * - the response schemas that share the fields of a seed message get it as their example
 *   (seed-examples.ts), completed from the property examples;
 * - top-level tags list exactly the tags in use, with descriptions, in a fixed order;
 * - paths, responses and components are sorted.
 */
export function finalizeOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  const schemas: Record<string, SchemaObject | ReferenceObject> = {
    ...document.components?.schemas,
  };
  schemas[PROBLEM_SCHEMA_NAME] = PROBLEM_DETAILS_SCHEMA;
  schemas[FIELD_ERROR_SCHEMA_NAME] = FIELD_ERROR_SCHEMA;
  const paths: Record<string, PathItemObject> = {};
  for (const [path, item] of Object.entries(document.paths))
    paths[path] = finalizePathItem(path, item);

  const draft: OpenAPIObject = {
    ...document,
    paths,
    components: { ...document.components, schemas, headers: { ...RESPONSE_HEADERS } },
  };
  const named = withSeedExamples(tidySchemas(nameEnums(draft)));
  return sortDocument({ ...named, tags: usedTags(named) });
}

function finalizePathItem(path: string, item: PathItemObject): PathItemObject {
  const result: PathItemObject = { ...item };
  for (const method of METHODS) {
    const operation = item[method];
    if (operation) result[method] = finalizeOperation(path, operation);
  }
  return result;
}

function finalizeOperation(path: string, operation: OperationObject): OperationObject {
  const security = operation.security ?? [];
  const secured = security.length > 0;
  const responses: Record<string, ResponseObject | ReferenceObject> = {};
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    if (response)
      responses[status] = ERROR_STATUS.test(status) ? asProblemResponse(response) : response;
  }
  for (const status of impliedErrorStatuses(path, operation, secured)) {
    responses[status] ??= problemResponse(Number(status));
  }
  for (const [status, response] of Object.entries(responses)) {
    // Token-protected routes are the rate-limited ones (AuthGuard counts them).
    if (!('$ref' in response)) responses[status] = withResponseHeaders(response, status, secured);
  }
  return { ...operation, security, responses };
}

/** The error statuses any route of this shape can answer, whatever its module documented. */
function impliedErrorStatuses(
  path: string,
  operation: OperationObject,
  secured: boolean,
): string[] {
  const statuses: number[] = [500];
  const hasParameters = (operation.parameters ?? []).length > 0;
  if (hasParameters || operation.requestBody) statuses.push(400);
  if (operation.requestBody) statuses.push(413, 415);
  if (secured) statuses.push(401, 403, 429, 503);
  if (path.includes('{')) statuses.push(404);
  return statuses.map(String);
}

function problemResponse(status: number): ResponseObject {
  return { description: PROBLEM_DESCRIPTIONS[status] ?? 'Error.', content: problemContent() };
}

/** Keeps a route's own description (and a deliberately different schema); fills in problem+json. */
function asProblemResponse(
  response: ResponseObject | ReferenceObject,
): ResponseObject | ReferenceObject {
  if ('$ref' in response) return response;
  const content = response.content ?? {};
  const own = content[PROBLEM_CONTENT_TYPE] ?? content['application/json'];
  const ownSchema = own?.schema;
  const keepsOwnSchema =
    ownSchema !== undefined && !('$ref' in ownSchema && ownSchema.$ref === PROBLEM_REF);
  if (keepsOwnSchema && !content[PROBLEM_CONTENT_TYPE]) return response;
  const examples = own?.examples
    ? { examples: own.examples }
    : own?.example
      ? { example: own.example }
      : {};
  return {
    ...response,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: PROBLEM_REF }, ...examples } },
  };
}

function usedTags(document: OpenAPIObject): TagObject[] {
  const used = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) for (const tag of item[method]?.tags ?? []) used.add(tag);
  }
  const declared = new Map((document.tags ?? []).map((tag) => [tag.name, tag]));
  const known = TAG_DESCRIPTIONS.filter((tag) => used.has(tag.name));
  const others = [...used]
    .filter((name) => !TAG_DESCRIPTIONS.some((tag) => tag.name === name))
    .sort()
    .map((name) => declared.get(name) ?? { name });
  return [...known, ...others];
}

function sortDocument(document: OpenAPIObject): OpenAPIObject {
  const paths: Record<string, PathItemObject> = {};
  for (const path of Object.keys(document.paths).sort()) {
    const item = document.paths[path];
    const sorted: PathItemObject = {};
    for (const key of Object.keys(item).sort(byMethod)) {
      const value = item[key as keyof PathItemObject];
      (sorted as Record<string, unknown>)[key] = isOperation(key)
        ? sortOperation(value as OperationObject)
        : value;
    }
    paths[path] = sorted;
  }
  const components = Object.fromEntries(
    Object.entries(document.components ?? {})
      .sort(([a], [b]) => compareKeys(a, b))
      .map(([kind, entries]) => [kind, sortByKey(entries as Record<string, unknown>)]),
  );
  return { ...document, paths, components };
}

function sortOperation(operation: OperationObject): OperationObject {
  return { ...operation, responses: sortByKey(operation.responses) };
}

function isOperation(key: string): key is Method {
  return (METHODS as readonly string[]).includes(key);
}

function byMethod(a: string, b: string): number {
  const rank = (key: string): number => (isOperation(key) ? METHODS.indexOf(key) : -1);
  return rank(a) - rank(b) || compareKeys(a, b);
}

function sortByKey<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareKeys(a, b)));
}

/** Status codes numerically, `default` last; names alphabetically (locale-independent). */
function compareKeys(a: string, b: string): number {
  if (a === 'default' || b === 'default') return a === b ? 0 : a === 'default' ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}
