/**
 * Whether `JSON.stringify(value)` would be at most `limit` bytes (UTF-16 code units, close enough
 * for a cap), found without building the text: objects reached twice (YAML aliases) count each
 * time, as they would be serialized, and the walk stops as soon as the limit is passed, so its
 * cost is bounded by the limit whatever the shape.
 */
export function jsonSizeWithin(value: unknown, limit: number): boolean {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    size += shallowSize(next, stack);
    if (size > limit) return false;
  }
  return true;
}

/** The node's own bytes (punctuation, keys, scalars); its children go on the stack. */
function shallowSize(value: unknown, stack: unknown[]): number {
  if (typeof value === 'string') return value.length + 2;
  if (Array.isArray(value)) {
    for (const item of value) stack.push(item);
    return 2 + value.length;
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    for (const key of keys) stack.push((value as Record<string, unknown>)[key]);
    return 2 + keys.reduce((sum, key) => sum + key.length + 4, 0);
  }
  return String(value).length;
}
