import type {
  OpenAPIObject,
  OperationObject,
  PathItemObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
  TagObject,
} from '@nestjs/swagger';
import { withSeedExamples } from './document-examples';
import { nameEnums, tidySchemas } from './document-schemas';
import { RESPONSE_HEADERS, withResponseHeaders } from './response-headers';
import {
  FIELD_ERROR_SCHEMA,
  FIELD_ERROR_SCHEMA_NAME,
  PROBLEM_DESCRIPTIONS,
  PROBLEM_DETAILS_SCHEMA,
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
  {
    name: 'subscriptions',
    description:
      'Signed webhooks (CloudEvents 1.0, HMAC-SHA256) on intent, report, instance and onboarding changes.',
  },
  { name: 'health', description: 'Liveness and readiness probes (no token needed).' },
];

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
type Method = (typeof METHODS)[number];

const ERROR_STATUS = /^([45]\d\d|[45]XX|default)$/;

/**
 * What remains after the decorators, because @nestjs/swagger has no way to say it once for every
 * route (routes declare their own answers: pages with `@ApiPage`, errors with
 * `@ApiProblemResponses`, the token answers 401/403/429/503 with `@RequirePermission`):
 * - the shared ProblemDetails/FieldError schemas (plain JSON Schema, not classes Nest could scan)
 *   and the errors a route's shape implies whatever its module wrote: 400 (parameters or body),
 *   413 and 415 (body), 404 (path parameters) and 500 (every route);
 * - a check that every error response has content (declared through `@ApiProblemResponses`, or a
 *   deliberate schema of its own such as the readiness report): a bare Nest `Api…Response` would
 *   document an error without its problem+json body, so building the document fails instead;
 * - routes without a security requirement say so explicitly (`security: []`);
 * - every response references the shared headers it carries (response-headers.ts): CORS, and the
 *   rate-limit state on the token-protected (so rate-limited) routes;
 * - inline enums with a registered value set become named schemas (named-enums.ts);
 * - `nullable` gets the `type` OpenAPI 3.0.3 needs for it to mean "or null", and a lone `allOf`
 *   wrapper without siblings becomes the schema it wraps;
 * - the response schemas that share the fields of a seed message get it as their example
 *   (seed-examples.ts), completed from the property examples;
 * - top-level tags list exactly the tags in use, with descriptions, in a fixed order;
 * - paths, responses and components are sorted, so the committed openapi.json is byte-for-byte
 *   reproducible.
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
    if (operation) result[method] = finalizeOperation(`${method.toUpperCase()} ${path}`, operation);
  }
  return result;
}

function finalizeOperation(route: string, operation: OperationObject): OperationObject {
  const security = operation.security ?? [];
  const secured = security.length > 0;
  const responses: Record<string, ResponseObject | ReferenceObject> = {};
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    if (!response) continue;
    if (ERROR_STATUS.test(status)) checkErrorContent(route, status, response);
    responses[status] = response;
  }
  for (const status of impliedErrorStatuses(route, operation)) {
    responses[status] ??= problemResponse(Number(status));
  }
  for (const [status, response] of Object.entries(responses)) {
    // Token-protected routes are the rate-limited ones (AuthGuard counts them).
    if (!('$ref' in response)) responses[status] = withResponseHeaders(response, status, secured);
  }
  return { ...operation, security, responses };
}

/** The error statuses any route of this shape can answer, whatever its module documented. */
function impliedErrorStatuses(route: string, operation: OperationObject): string[] {
  const statuses: number[] = [500];
  const hasParameters = (operation.parameters ?? []).length > 0;
  if (hasParameters || operation.requestBody) statuses.push(400);
  if (operation.requestBody) statuses.push(413, 415);
  if (route.includes('{')) statuses.push(404);
  return statuses.map(String);
}

function problemResponse(status: number): ResponseObject {
  return { description: PROBLEM_DESCRIPTIONS[status] ?? 'Error.', content: problemContent() };
}

/** An error response without content was declared past `@ApiProblemResponses`: refuse it. */
function checkErrorContent(
  route: string,
  status: string,
  response: ResponseObject | ReferenceObject,
): void {
  if ('$ref' in response || Object.keys(response.content ?? {}).length > 0) return;
  throw new Error(
    `${route} documents ${status} without content: declare errors with @ApiProblemResponses`,
  );
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
