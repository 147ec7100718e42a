/**
 * How `PATCH /instances/{id}` combines the given `values` with the instance's current ones.
 * `merge` (the default) is a JSON Merge Patch (RFC 7396): objects merge key by key, `null` removes
 * a key (so the chart's default applies again), anything else — arrays included — replaces.
 * `replace` takes the given values as the whole new values.
 */
export const VALUES_STRATEGIES = ['merge', 'replace'] as const;
export type ValuesStrategy = (typeof VALUES_STRATEGIES)[number];

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets an own property even for names such as `__proto__`, which plain assignment would not. */
function define(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** RFC 7396 MergePatch(target, patch); neither argument is modified. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = {};
  if (isJsonObject(target))
    for (const [key, value] of Object.entries(target)) define(result, key, value);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else
      define(result, key, mergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value));
  }
  return result;
}

export function applyValues(
  current: JsonObject,
  given: JsonObject,
  strategy: ValuesStrategy,
): JsonObject {
  return strategy === 'replace' ? given : (mergePatch(current, given) as JsonObject);
}

/** Nesting depth of a JSON value (a scalar is 0), without recursion. */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return deepest;
}
