import SwaggerParser from '@apidevtools/swagger-parser';
import type {
  OpenAPIObject,
  OperationObject,
  ReferenceObject,
  RequestBodyObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger';
import { NestExpressApplication } from '@nestjs/platform-express';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { PROBLEM_CONTENT_TYPE } from '../../../src/common/errors/problem';
import { NAMED_ENUMS } from '../../../src/openapi/named-enums';
import {
  INTENT_NOTIFY_MESSAGE,
  SEED_RUN_MESSAGE,
  SEED_UPLOAD_MESSAGE,
} from '../../../src/contract';
import { buildOpenApiDocument } from '../../../src/openapi/swagger';
import {
  COMMITTED_CLIENT,
  COMMITTED_OPENAPI,
  generateClient,
  readTree,
  REPO_ROOT,
} from '../../../scripts/generate-client';
import { startApi } from '../../support/app';

const run = promisify(execFile);

/** `npm run docs` sets UPDATE_DOCS=1 to rewrite the committed documents from the code. */
const updating = process.env.UPDATE_DOCS === '1';

/** The operations the modules promise (issue #9); SDK users' code calls them by these names. */
const EXPECTED_OPERATIONS = [
  'workloads_create',
  'workloads_upload',
  'workloads_list',
  'workloads_get',
  'workloads_delete',
  'helm_repo_list_charts',
  'helm_repo_index',
  'intents_create',
  'intents_list',
  'intents_get',
  'intents_update',
  'intents_delete',
  'intents_report_fulfilment',
  'intents_create_from_template',
  'intent_templates_list',
  'instances_create',
  'instances_list',
  'instances_get',
  'instances_delete',
  'instances_report_status',
  'health_liveness',
  'health_readiness',
];

const REQUIRED_ENUMS = [
  'WorkloadStatus',
  'InstanceStatus',
  'ExpectationVerb',
  'Condition',
  'FulfilmentStatus',
  'NotFulfilledState',
  'FeasibilityCheckType',
];

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Operation {
  method: string;
  path: string;
  op: OperationObject;
}

function operations(document: OpenAPIObject): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ method, path, op: item[method] }] : [])),
  );
}

function byId(document: OpenAPIObject, operationId: string): Operation | undefined {
  return operations(document).find(({ op }) => op.operationId === operationId);
}

function schemaOf(
  document: OpenAPIObject,
  schema: SchemaObject | ReferenceObject | undefined,
): SchemaObject {
  if (!schema) return {};
  if (!('$ref' in schema)) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  return schemaOf(document, document.components?.schemas?.[name]);
}

function label({ method, path }: Operation): string {
  return `${method.toUpperCase()} ${path}`;
}

/** Redocly CLI on a file (relative to the repo) with redocly.yaml: the problems it reports. */
async function redoclyProblems(file: string): Promise<string[]> {
  const cli = join(REPO_ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
  const result = await run(
    process.execPath,
    [cli, 'lint', file, '--config', join(REPO_ROOT, 'redocly.yaml'), '--format', 'json'],
    {
      cwd: REPO_ROOT,
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  ).catch((error: { stdout?: string; stderr?: string }) => {
    // Redocly exits 1 when it finds errors; the JSON report is on stdout either way.
    if (!error.stdout) throw new Error(`redocly lint failed: ${error.stderr ?? String(error)}`);
    return { stdout: error.stdout };
  });
  const report = JSON.parse(result.stdout) as {
    problems: Array<{
      ruleId: string;
      severity: string;
      message: string;
      location: Array<{ pointer: string }>;
    }>;
  };
  return report.problems.map(
    (problem) =>
      `${problem.severity} ${problem.ruleId} ${problem.location[0]?.pointer ?? ''}: ${problem.message}`,
  );
}

describe('OpenAPI document (openapi.json)', () => {
  let app: NestExpressApplication;
  let document: OpenAPIObject;
  let text: string;
  const scratch = mkdtempSync(join(tmpdir(), 'nemo-openapi-'));

  beforeAll(async () => {
    app = await startApi();
    document = buildOpenApiDocument(app);
    text = `${JSON.stringify(document, null, 2)}\n`;
    if (updating) writeFileSync(COMMITTED_OPENAPI, text);
  });

  afterAll(async () => {
    await app?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('is built the same way twice (deterministic) and served at /api/docs-json', async () => {
    expect(`${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`).toBe(text);
    const served = await request(app.getHttpServer()).get('/api/docs-json').expect(200);
    expect(served.body).toEqual(JSON.parse(text));
  });

  it('is a valid OpenAPI 3 document', async () => {
    await expect(SwaggerParser.validate(JSON.parse(text) as never)).resolves.toBeDefined();
  });

  // Lints the committed file (the last test proves it is what the code produces), so that
  // .redocly.lint-ignore.yaml, keyed by that path, applies.
  it('passes Redocly CLI lint (recommended-strict + redocly.yaml) without a problem', async () => {
    expect(await redoclyProblems('openapi.json')).toEqual([]);
  }, 60_000);

  it('names every operation uniquely in resource_action style', () => {
    const ids = operations(document).map(({ op }) => op.operationId);
    expect(ids.filter((id) => !id || !/^[a-z]+(_[a-z]+)+$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has every operation the modules promise', () => {
    const ids = operations(document).map(({ op }) => op.operationId);
    expect(EXPECTED_OPERATIONS.filter((id) => !ids.includes(id))).toEqual([]);
  });

  it('documents each route: summary, tag, responses, bearer security on protected routes', () => {
    const problems: string[] = [];
    for (const operation of operations(document)) {
      const { op, path } = operation;
      const name = label(operation);
      if (!op.summary) problems.push(`${name}: no summary`);
      if (!op.tags?.length) problems.push(`${name}: no tag`);
      if (!Object.keys(op.responses).some((status) => /^2\d\d$/.test(status)))
        problems.push(`${name}: no 2xx`);
      const isPublic = path === '/healthz' || path === '/readyz';
      const bearer = (op.security ?? []).some((requirement) => 'bearer' in requirement);
      if (!isPublic && !bearer) problems.push(`${name}: no bearer security`);
      if (bearer && !(op.responses['401'] && op.responses['403']))
        problems.push(`${name}: no 401/403`);
    }
    expect(problems).toEqual([]);
  });

  it('describes every error as application/problem+json with the ProblemDetails schema', () => {
    const problems: string[] = [];
    for (const operation of operations(document)) {
      for (const [status, response] of Object.entries(operation.op.responses)) {
        if (!/^[45]/.test(status) || operation.path === '/readyz') continue;
        const content = (response as ResponseObject).content ?? {};
        const schema = content[PROBLEM_CONTENT_TYPE]?.schema as ReferenceObject | undefined;
        if (schema?.$ref !== '#/components/schemas/ProblemDetails')
          problems.push(`${label(operation)} ${status}`);
      }
    }
    expect(problems).toEqual([]);
    expect(schemaOf(document, { $ref: '#/components/schemas/ProblemDetails' }).required).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']),
    );
  });

  it('names the enums of the wire contract, with the values of src/contract/enums.ts', () => {
    const schemas = document.components?.schemas ?? {};
    for (const name of REQUIRED_ENUMS) {
      expect({ name, values: (schemas[name] as SchemaObject | undefined)?.enum }).toEqual({
        name,
        values: [...NAMED_ENUMS[name].values],
      });
    }
    const inline: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const schema = node as SchemaObject;
      const isComponent = /^#\/components\/schemas\/[^/]+$/.test(at);
      if (Array.isArray(schema.enum) && !isComponent)
        inline.push(`${at}: ${schema.enum.join('|')}`);
      for (const [key, child] of Object.entries(node))
        if (key !== 'example' && key !== 'examples') walk(child, `${at}/${key}`);
    };
    walk(document.paths, '#/paths');
    walk(document.components, '#/components');
    expect(inline).toEqual([]);
  });

  it('types every parameter and property (an untyped one becomes `unknown` in an SDK)', () => {
    const typed = (schema: SchemaObject & Partial<ReferenceObject>): boolean =>
      Boolean(schema.type ?? schema.$ref ?? schema.allOf ?? schema.oneOf ?? schema.anyOf);
    const untyped: string[] = [];
    for (const operation of operations(document)) {
      for (const parameter of operation.op.parameters ?? []) {
        const { name, schema } = parameter as { name: string; schema?: SchemaObject };
        if (!schema || !typed(schema)) untyped.push(`${label(operation)} parameter ${name}`);
      }
    }
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      for (const [property, child] of Object.entries((schema as SchemaObject).properties ?? {})) {
        if (!typed(child as SchemaObject)) untyped.push(`${name}.${property}`);
      }
    }
    expect(untyped).toEqual([]);
  });

  it('describes the chart upload as multipart/form-data: a binary file and an optional provenance', () => {
    const upload = byId(document, 'workloads_upload');
    expect(upload).toBeDefined();
    const body = upload?.op.requestBody as RequestBodyObject;
    const schema = schemaOf(document, body.content['multipart/form-data']?.schema);
    const binary = Object.entries(schema.properties ?? {})
      .filter(([, property]) => (property as SchemaObject).format === 'binary')
      .map(([name]) => name);
    expect(binary).toEqual(['file', 'provenance']);
    expect(schema.required).toEqual(['file']);
    expect(body.required).toBe(true);
  });

  it('answers every list route with a named page schema {items, meta: PageMeta}', () => {
    for (const id of ['workloads_list', 'intents_list', 'instances_list']) {
      const list = byId(document, id);
      const ok = list?.op.responses['200'] as ResponseObject | undefined;
      const ref =
        (ok?.content?.['application/json']?.schema as ReferenceObject | undefined)?.$ref ?? '';
      expect({ id, ref }).toEqual({
        id,
        ref: expect.stringMatching(/^#\/components\/schemas\/\w+Page(Response)?$/),
      });
      const page = schemaOf(document, { $ref: ref });
      expect(page.required).toEqual(expect.arrayContaining(['items', 'meta']));
      const meta = page.properties?.meta as SchemaObject & ReferenceObject;
      expect(meta.$ref ?? (meta.allOf?.[0] as ReferenceObject | undefined)?.$ref).toBe(
        '#/components/schemas/PageMeta',
      );
      expect((page.properties?.items as SchemaObject).type).toBe('array');
    }
  });

  it("shows the seed's messages as the examples of the matching responses", () => {
    const example = (name: string): unknown =>
      (document.components?.schemas?.[name] as SchemaObject).example;
    expect(SEED_UPLOAD_MESSAGE).toEqual(SEED_UPLOAD_MESSAGE);
    expect(INTENT_NOTIFY_MESSAGE).toEqual(INTENT_NOTIFY_MESSAGE);
    expect(example('IntentResponse')).toEqual(INTENT_NOTIFY_MESSAGE);
    expect(example('IntentReportResponse')).toEqual(INTENT_NOTIFY_MESSAGE.intent_report_reference);
    expect(example('WorkloadResponse')).toMatchObject(SEED_UPLOAD_MESSAGE);
    const { intents: _intents, ...run } = SEED_RUN_MESSAGE;
    expect(example('InstanceResponse')).toMatchObject(run);
  });

  it('is committed as openapi.json exactly as the code produces it (npm run docs)', () => {
    expect(readFileSync(COMMITTED_OPENAPI, 'utf8')).toBe(text);
  });

  it('has its generated client committed as test/generated/nemo-client, fresh from openapi.json (npm run docs)', async () => {
    const fresh = join(scratch, 'nemo-client');
    await generateClient(COMMITTED_OPENAPI, fresh);
    if (updating) {
      rmSync(COMMITTED_CLIENT, { recursive: true, force: true });
      cpSync(fresh, COMMITTED_CLIENT, { recursive: true });
    }
    expect(readTree(COMMITTED_CLIENT)).toEqual(readTree(fresh));
  });
});
