import {
  type Condition,
  CONDITIONS,
  EXPECTATION_VERBS,
  type ExpectationVerb,
  PREEMPTION_CAPABILITIES,
  PreemptionCapability,
  type ValueRange,
} from '../../contract';
import { conditionMismatch, conditionsFor } from '../domain/conditions';
import { VALUE_TYPES, ValueType } from '../intent.enums';
import { DESCRIPTION_MAX_LENGTH, INT32_MAX } from '../../common/validation/bounds';
import { MAX_OBSERVATION_PERIOD, MAX_TARGETS, NAME_MAX_LENGTH } from '../dto/create-intent.dto';

/**
 * The intent types the platform understands, as data (`intent-templates.v<N>.json`): which targets
 * each object type has (value type, unit, bounds, allowed conditions) and which intents can be built
 * from a few parameters. Adding a target or a template is a data change, not a code change.
 */

export interface TargetSpec {
  target_name: string;
  description: string;
  value_type: ValueType;
  unit: string | null;
  /** Bounds of the values the target can take (numbers only); outside them a condition cannot hold. */
  minimum?: number;
  maximum?: number;
  allowed_conditions: Condition[];
}

export interface ObjectTypeSpec {
  object_type: string;
  description: string;
  targets: TargetSpec[];
}

export interface TemplateTarget {
  target_name: string;
  default_condition: Condition;
  /** Without a default value the caller has to give one. */
  default_value_range?: ValueRange;
}

export interface IntentTemplate {
  user_label: string;
  description: string;
  expectation_verb: ExpectationVerb;
  object_type: string;
  observation_period: number;
  intent_preemption_capability: PreemptionCapability;
  targets: TemplateTarget[];
}

export interface TemplateCatalog {
  version: number;
  object_types: ObjectTypeSpec[];
  templates: IntentTemplate[];
}

type Raw = Record<string, unknown>;

/** Object types, templates and targets per object type a catalog may list (GET /intent-templates). */
export const MAX_CATALOG_ENTRIES = 64;

class CatalogReader {
  readonly problems: string[] = [];

  object(value: unknown, path: string): Raw {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Raw;
    this.problems.push(`${path} must be an object`);
    return {};
  }

  list(value: unknown, path: string, max: number): unknown[] {
    if (Array.isArray(value) && value.length <= max) return value;
    this.problems.push(`${path} must be a list of at most ${max}`);
    return [];
  }

  text(value: unknown, path: string, max = NAME_MAX_LENGTH): string {
    if (typeof value === 'string' && value.length > 0 && value.length <= max) return value;
    this.problems.push(`${path} must be a non-empty string of at most ${max} characters`);
    return '';
  }

  number(value: unknown, path: string): number {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    this.problems.push(`${path} must be a number`);
    return 0;
  }

  integer(value: unknown, path: string, min: number, max: number): number {
    if (Number.isInteger(value) && (value as number) >= min && (value as number) <= max)
      return value as number;
    this.problems.push(`${path} must be an integer from ${min} to ${max}`);
    return min;
  }

  oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
    if (allowed.includes(value as T)) return value as T;
    this.problems.push(`${path} must be one of ${allowed.join(', ')}`);
    return allowed[0];
  }

  optionalNumber(value: unknown, path: string): number | undefined {
    return value === undefined ? undefined : this.number(value, path);
  }
}

function readTarget(r: CatalogReader, raw: unknown, path: string): TargetSpec {
  const o = r.object(raw, path);
  const valueType = r.oneOf(o.value_type, VALUE_TYPES, `${path}.value_type`);
  const conditions = r.list(o.allowed_conditions, `${path}.allowed_conditions`, CONDITIONS.length);
  for (const condition of duplicates(conditions.map(String)))
    r.problems.push(`${path}.allowed_conditions: ${condition} twice`);
  const spec: TargetSpec = {
    target_name: r.text(o.target_name, `${path}.target_name`),
    description: r.text(o.description, `${path}.description`, DESCRIPTION_MAX_LENGTH),
    value_type: valueType,
    unit: o.unit === null ? null : r.text(o.unit, `${path}.unit`),
    minimum: r.optionalNumber(o.minimum, `${path}.minimum`),
    maximum: r.optionalNumber(o.maximum, `${path}.maximum`),
    allowed_conditions: conditions.map((c, i) =>
      r.oneOf(c, CONDITIONS, `${path}.allowed_conditions[${i}]`),
    ),
  };
  if (valueType === 'string' && (spec.minimum !== undefined || spec.maximum !== undefined)) {
    r.problems.push(`${path}: string targets have no minimum/maximum`);
  }
  return spec;
}

function readObjectType(r: CatalogReader, raw: unknown, path: string): ObjectTypeSpec {
  const o = r.object(raw, path);
  return {
    object_type: r.text(o.object_type, `${path}.object_type`),
    description: r.text(o.description, `${path}.description`, DESCRIPTION_MAX_LENGTH),
    targets: r
      .list(o.targets, `${path}.targets`, MAX_CATALOG_ENTRIES)
      .map((t, i) => readTarget(r, t, `${path}.targets[${i}]`)),
  };
}

function readTemplateTarget(r: CatalogReader, raw: unknown, path: string): TemplateTarget {
  const o = r.object(raw, path);
  const target: TemplateTarget = {
    target_name: r.text(o.target_name, `${path}.target_name`),
    default_condition: r.oneOf(o.default_condition, CONDITIONS, `${path}.default_condition`),
  };
  if (o.default_value_range !== undefined)
    target.default_value_range = o.default_value_range as ValueRange;
  return target;
}

function readTemplate(r: CatalogReader, raw: unknown, path: string): IntentTemplate {
  const o = r.object(raw, path);
  return {
    user_label: r.text(o.user_label, `${path}.user_label`),
    description: r.text(o.description, `${path}.description`, DESCRIPTION_MAX_LENGTH),
    expectation_verb: r.oneOf(o.expectation_verb, EXPECTATION_VERBS, `${path}.expectation_verb`),
    object_type: r.text(o.object_type, `${path}.object_type`),
    observation_period: r.integer(
      o.observation_period,
      `${path}.observation_period`,
      0,
      MAX_OBSERVATION_PERIOD,
    ),
    intent_preemption_capability: r.oneOf(
      o.intent_preemption_capability,
      PREEMPTION_CAPABILITIES,
      path,
    ),
    targets: r
      .list(o.targets, `${path}.targets`, MAX_TARGETS)
      .map((t, i) => readTemplateTarget(r, t, `${path}.targets[${i}]`)),
  };
}

function checkTemplate(catalog: TemplateCatalog, template: IntentTemplate, path: string): string[] {
  const objectType = catalog.object_types.find((o) => o.object_type === template.object_type);
  if (!objectType) return [`${path}: unknown object type ${template.object_type}`];
  return template.targets.flatMap((target, i) => {
    const spec = objectType.targets.find((t) => t.target_name === target.target_name);
    const where = `${path}.targets[${i}]`;
    if (!spec) return [`${where}: ${template.object_type} has no target ${target.target_name}`];
    if (!spec.allowed_conditions.includes(target.default_condition)) {
      return [`${where}: ${target.default_condition} is not allowed for ${target.target_name}`];
    }
    if (target.default_value_range === undefined) return [];
    const mismatch = conditionMismatch(
      spec.value_type,
      target.default_condition,
      target.default_value_range,
    );
    return mismatch ? [`${where}: ${mismatch}`] : [];
  });
}

function duplicates(names: string[]): string[] {
  return names.filter((name, i) => names.indexOf(name) !== i);
}

/** Reads and checks a catalog document; throws one error listing every problem. */
export function parseCatalog(raw: unknown): TemplateCatalog {
  const r = new CatalogReader();
  const o = r.object(raw, 'catalog');
  const catalog: TemplateCatalog = {
    version: r.integer(o.version, 'version', 1, INT32_MAX),
    object_types: r
      .list(o.object_types, 'object_types', MAX_CATALOG_ENTRIES)
      .map((t, i) => readObjectType(r, t, `object_types[${i}]`)),
    templates: r
      .list(o.templates, 'templates', MAX_CATALOG_ENTRIES)
      .map((t, i) => readTemplate(r, t, `templates[${i}]`)),
  };
  const problems = [
    ...r.problems,
    ...catalog.object_types.flatMap((objectType) =>
      objectType.targets
        .flatMap((t) =>
          t.allowed_conditions
            .filter((c) => !conditionsFor(t.value_type).includes(c))
            .map((c) => [t, c] as const),
        )
        .map(
          ([t, c]) =>
            `${objectType.object_type}.${t.target_name}: ${c} does not apply to ${t.value_type} values`,
        ),
    ),
    ...duplicates(catalog.object_types.map((t) => t.object_type)).map(
      (d) => `duplicate object type ${d}`,
    ),
    ...duplicates(catalog.templates.map((t) => t.user_label)).map((d) => `duplicate template ${d}`),
    ...catalog.templates.flatMap((t, i) => checkTemplate(catalog, t, `templates[${i}]`)),
  ];
  if (problems.length > 0)
    throw new Error(`Invalid intent template catalog:\n  ${problems.join('\n  ')}`);
  return catalog;
}

export function findTargetSpec(
  catalog: TemplateCatalog,
  objectType: string,
  targetName: string,
): TargetSpec | undefined {
  return catalog.object_types
    .find((o) => o.object_type === objectType)
    ?.targets.find((t) => t.target_name === targetName);
}
