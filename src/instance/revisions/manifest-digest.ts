import { createHash } from 'node:crypto';
import { canonicalJson } from '../rendering/render-cache';

/** sha256 (hex) of the canonical JSON of a value: equal content, equal digest, whatever the key order. */
export function contentDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
