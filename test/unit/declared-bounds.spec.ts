import type { OpenAPIObject, ParameterObject, SchemaObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReportStatusDto } from '../../src/instance/dto/report-status.dto';
import { CreateInstanceDto } from '../../src/instance/dto/create-instance.dto';
import { ListInstancesQuery } from '../../src/instance/dto/list-instances.query';
import {
  CreateIntentFromTemplateDto,
  TemplateTargetParamDto,
} from '../../src/intent/dto/create-from-template.dto';
import {
  ContextDto,
  CreateIntentDto,
  ExpectationObjectDto,
  ExpectationTargetDto,
  IntentExpectationDto,
} from '../../src/intent/dto/create-intent.dto';
import { ListIntentsQuery } from '../../src/intent/dto/list-intents.query';
import { PageQuery } from '../../src/common/pagination/pagination';
import {
  ReportFulfilmentDto,
  TargetObservationDto,
} from '../../src/intent/dto/report-fulfilment.dto';
import { UpdateIntentDto } from '../../src/intent/dto/update-intent.dto';
import { CreateWorkloadDto } from '../../src/workload/dto/create-workload.dto';
import { ListWorkloadsQuery } from '../../src/workload/dto/list-workloads.query';
import { RenderPolicyDto } from '../../src/workload/dto/render-policy.dto';
import { ListClustersQuery, PutClusterProfileDto } from '../../src/cluster/dto/cluster-profile.dto';
import {
  CreateSubscriptionDto,
  ListSubscriptionsQuery,
  SubscriptionFilterDto,
  UpdateSubscriptionDto,
} from '../../src/subscription/dto/subscription.dto';
import { ListRevisionsQuery } from '../../src/instance/dto/revision.response';
import {
  DiffQuery,
  DryRunQuery,
  RollbackInstanceDto,
  UpdateInstanceDto,
} from '../../src/instance/dto/update-instance.dto';

/**
 * The committed openapi.json (test/integration/docs proves it is what the code produces) must
 * declare, for every request field, exactly the bounds class-validator enforces on it: no bound
 * only documented, none only enforced, none different.
 */
const document = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8'),
) as OpenAPIObject;

type Dto = abstract new (...args: never[]) => object;

/** Request body schemas, by component name. */
const BODIES: Record<string, Dto> = {
  CreateWorkloadDto,
  CreateInstanceDto,
  ReportStatusDto,
  CreateIntentDto,
  UpdateIntentDto,
  ContextDto,
  ExpectationObjectDto,
  ExpectationTargetDto,
  IntentExpectationDto,
  CreateIntentFromTemplateDto,
  TemplateTargetParamDto,
  ReportFulfilmentDto,
  TargetObservationDto,
  RenderPolicyDto,
  PutClusterProfileDto,
  UpdateInstanceDto,
  RollbackInstanceDto,
  CreateSubscriptionDto,
  SubscriptionFilterDto,
  UpdateSubscriptionDto,
};

/** Query parameter classes, by the operation that reads them. */
const QUERIES: Record<string, Dto> = {
  workloads_list: ListWorkloadsQuery,
  instances_list: ListInstancesQuery,
  intents_list: ListIntentsQuery,
  clusters_list: ListClustersQuery,
  subscriptions_list: ListSubscriptionsQuery,
  instances_update: DryRunQuery,
  instances_create: DryRunQuery,
  instances_list_revisions: ListRevisionsQuery,
  instances_diff_revisions: DiffQuery,
  intents_list_reports: PageQuery,
};

/** class-validator rule → the JSON Schema keyword that states it. */
const KEYWORDS: Record<string, keyof Bounds> = {
  maxLength: 'maxLength',
  minLength: 'minLength',
  max: 'maximum',
  min: 'minimum',
  arrayMaxSize: 'maxItems',
  arrayMinSize: 'minItems',
  matches: 'pattern',
};

interface Bounds {
  maxLength?: number;
  minLength?: number;
  maximum?: number;
  minimum?: number;
  maxItems?: number;
  minItems?: number;
  pattern?: string;
}

function enforced(dto: Dto): Record<string, Bounds> {
  const result: Record<string, Bounds> = {};
  for (const rule of getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false)) {
    const keyword = rule.name ? KEYWORDS[rule.name] : undefined;
    if (!keyword) continue;
    const [constraint] = rule.constraints as unknown[];
    const value = constraint instanceof RegExp ? constraint.source : constraint;
    // Rules with `each` bound the items of an array: the document states them under `items`.
    const key = rule.each ? `${rule.propertyName}[]` : rule.propertyName;
    result[key] = { ...result[key], [keyword]: value };
  }
  return result;
}

function declared(schema: SchemaObject): Bounds {
  const bounds: Bounds = {};
  for (const keyword of Object.values(KEYWORDS)) {
    const value = (schema as Record<string, unknown>)[keyword];
    if (value !== undefined) (bounds as Record<string, unknown>)[keyword] = value;
  }
  return bounds;
}

function compare(
  where: string,
  properties: Record<string, SchemaObject>,
  dto: Dto,
): Array<{ field: string; declared: Bounds; enforced: Bounds }> {
  const rules = enforced(dto);
  const items = Object.entries(properties).flatMap(([name, schema]) =>
    schema.items ? [`${name}[]`] : [],
  );
  const schemaOf = (name: string): SchemaObject =>
    name.endsWith('[]')
      ? ((properties[name.slice(0, -2)]?.items ?? {}) as SchemaObject)
      : (properties[name] ?? {});
  const names = new Set([...Object.keys(properties), ...items, ...Object.keys(rules)]);
  return [...names]
    .map((name) => ({
      field: `${where}.${name}`,
      declared: declared(schemaOf(name)),
      enforced: rules[name] ?? {},
    }))
    .filter((entry) => JSON.stringify(entry.declared) !== JSON.stringify(sorted(entry)));
}

/** `enforced` in the key order of `declared`, so a mismatch means a different bound only. */
function sorted(entry: { declared: Bounds; enforced: Bounds }): Bounds {
  const keys = [...new Set([...Object.keys(entry.declared), ...Object.keys(entry.enforced)])];
  return Object.fromEntries(
    keys
      .filter((key) => key in entry.enforced)
      .map((key) => [key, entry.enforced[key as keyof Bounds]]),
  ) as Bounds;
}

const operations = Object.values(document.paths).flatMap((item) =>
  (['get', 'put', 'post', 'delete', 'patch'] as const).flatMap((method) =>
    item[method] ? [item[method]] : [],
  ),
);

function referencedSchemas(node: unknown, found = new Set<string>()): Set<string> {
  if (typeof node !== 'object' || node === null) return found;
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const name = ref.slice('#/components/schemas/'.length);
    if (found.has(name)) return found;
    found.add(name);
    referencedSchemas(document.components?.schemas?.[name], found);
  }
  for (const child of Object.values(node)) referencedSchemas(child, found);
  return found;
}

describe('declared bounds (openapi.json) = enforced bounds (class-validator)', () => {
  it('covers every request body schema with properties and every query parameter', () => {
    const bodies = referencedSchemas(operations.map((operation) => operation.requestBody));
    const withProperties = [...bodies].filter(
      (name) => (document.components?.schemas?.[name] as SchemaObject).properties,
    );
    expect(withProperties.filter((name) => !(name in BODIES))).toEqual([]);
    const queried = operations
      .filter((operation) =>
        (operation.parameters as ParameterObject[] | undefined)?.some(
          (parameter) => parameter.in === 'query',
        ),
      )
      .map((operation) => operation.operationId);
    expect(queried.filter((id) => !id || !(id in QUERIES))).toEqual([]);
  });

  it.each(Object.entries(BODIES))('%s: every property', (name, dto) => {
    const schema = document.components?.schemas?.[name] as SchemaObject;
    expect(compare(name, (schema.properties ?? {}) as Record<string, SchemaObject>, dto)).toEqual(
      [],
    );
  });

  it.each(Object.entries(QUERIES))('%s: every query parameter', (operationId, dto) => {
    const operation = operations.find((candidate) => candidate.operationId === operationId);
    const parameters = ((operation?.parameters ?? []) as ParameterObject[]).filter(
      (parameter) => parameter.in === 'query',
    );
    const properties = Object.fromEntries(
      parameters.map((parameter) => [parameter.name, (parameter.schema ?? {}) as SchemaObject]),
    );
    expect(compare(operationId, properties, dto)).toEqual([]);
  });
});
