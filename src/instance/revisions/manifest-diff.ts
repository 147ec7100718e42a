import { compare } from 'fast-json-patch';
import type { KubernetesManifest } from '../../common/kubernetes-manifest';
import { canonicalJson } from '../rendering/render-cache';
import { isJsonObject, JsonObject } from './values-merge';

/** What identifies a Kubernetes object across revisions. */
export interface ObjectKey {
  apiVersion: string;
  kind: string;
  namespace: string | null;
  name: string | null;
}

/** One RFC 6902 operation, as the diff emits them (add, remove, replace). */
export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

export type ObjectChangeKind = 'added' | 'removed' | 'changed';

export interface ObjectChange {
  key: ObjectKey;
  change: ObjectChangeKind;
  /** For `changed`: the JSON patch turning the older object into the newer one. */
  patch?: JsonPatchOperation[];
}

export interface ManifestDiff {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  changes: ObjectChange[];
}

/** What stands for a Secret's value in a diff: that a key exists, or that its value changed. */
export const REDACTED = '(redacted)';
export const REDACTED_CHANGED = '(redacted, changed)';
const SECRET_FIELDS = ['data', 'stringData'] as const;

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function objectKey(manifest: KubernetesManifest): ObjectKey {
  const metadata = isJsonObject(manifest.metadata) ? manifest.metadata : {};
  return {
    apiVersion: manifest.apiVersion,
    kind: manifest.kind,
    namespace: stringOrNull(metadata.namespace),
    name: stringOrNull(metadata.name),
  };
}

/** Objects by key; a key repeated in one set (helm allows it) gets `#2`, `#3`… by position. */
function indexByKey(manifests: KubernetesManifest[]): Map<string, KubernetesManifest> {
  const index = new Map<string, KubernetesManifest>();
  for (const manifest of manifests) {
    const { apiVersion, kind, namespace, name } = objectKey(manifest);
    const base = JSON.stringify([apiVersion, kind, namespace, name]);
    let key = base;
    for (let occurrence = 2; index.has(key); occurrence++) key = `${base}#${occurrence}`;
    index.set(key, manifest);
  }
  return index;
}

function isSecret(manifest: KubernetesManifest): boolean {
  return manifest.kind === 'Secret';
}

/**
 * Copies of two versions of a Secret whose data values are markers: keys stay visible, values never
 * do. A key kept with the same value shows no change; a changed value shows REDACTED_CHANGED.
 */
export function redactSecretPair(
  older: KubernetesManifest,
  newer: KubernetesManifest,
): [KubernetesManifest, KubernetesManifest] {
  const redactedOlder: KubernetesManifest = { ...older };
  const redactedNewer: KubernetesManifest = { ...newer };
  for (const field of SECRET_FIELDS) {
    const before = older[field];
    const after = newer[field];
    if (before !== undefined) redactedOlder[field] = redactValues(before, undefined);
    if (after !== undefined) redactedNewer[field] = redactValues(after, before);
  }
  return [redactedOlder, redactedNewer];
}

function redactValues(values: unknown, previous: unknown): unknown {
  if (!isJsonObject(values)) return REDACTED;
  const earlier: JsonObject = isJsonObject(previous) ? previous : {};
  const redacted: JsonObject = {};
  for (const [key, value] of Object.entries(values)) {
    const unchanged =
      !Object.hasOwn(earlier, key) || canonicalJson(earlier[key]) === canonicalJson(value);
    Object.defineProperty(redacted, key, {
      value: unchanged ? REDACTED : REDACTED_CHANGED,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return redacted;
}

function patchBetween(older: KubernetesManifest, newer: KubernetesManifest): JsonPatchOperation[] {
  const [from, to] =
    isSecret(older) || isSecret(newer) ? redactSecretPair(older, newer) : [older, newer];
  return compare(from, to) as JsonPatchOperation[];
}

/**
 * Per Kubernetes object (apiVersion, kind, namespace, name): what `newer` added, removed or
 * changed against `older`, changed objects with an RFC 6902 patch. Secret `data`/`stringData`
 * values never appear, only their keys ({@link redactSecretPair}).
 */
export function diffManifests(
  older: KubernetesManifest[],
  newer: KubernetesManifest[],
): ManifestDiff {
  const before = indexByKey(older);
  const after = indexByKey(newer);
  const changes: ObjectChange[] = [];
  let unchanged = 0;
  for (const [key, manifest] of after) {
    const previous = before.get(key);
    if (!previous) {
      changes.push({ key: objectKey(manifest), change: 'added' });
      continue;
    }
    const patch = patchBetween(previous, manifest);
    if (patch.length === 0) unchanged += 1;
    else changes.push({ key: objectKey(manifest), change: 'changed', patch });
  }
  for (const [key, manifest] of before) {
    if (!after.has(key)) changes.push({ key: objectKey(manifest), change: 'removed' });
  }
  const count = (kind: ObjectChangeKind) => changes.filter((entry) => entry.change === kind).length;
  return {
    added: count('added'),
    removed: count('removed'),
    changed: count('changed'),
    unchanged,
    changes,
  };
}
