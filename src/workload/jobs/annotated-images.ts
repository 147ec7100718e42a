import { CORE_SCHEMA, load } from 'js-yaml';
import { ChartMetadata } from '../../infra/chart-archive/chart-archive';
import { Rejection } from './rejection';

/** The Chart.yaml annotation Artifact Hub reads a chart's images from. */
export const IMAGES_ANNOTATION = 'artifacthub.io/images';

/** Longest `name` of one entry (Artifact Hub shows it as a label). */
const MAX_NAME_LENGTH = 253;
/** Longest `image` of one entry: a registry, a repository path, a tag and a digest. */
const MAX_IMAGE_LENGTH = 512;

/**
 * The images a chart declares in its `artifacthub.io/images` annotation — a YAML list of
 * `{name, image, whitelisted?}` — each once, in order. These are images the default-values render
 * does not show (non-default values, runtime pulls): onboarding mirrors them too. A chart without
 * the annotation declares none; a malformed one, or more than `maxImages` entries, is refused.
 */
export function annotatedImages(metadata: ChartMetadata, maxImages: number): string[] {
  const annotations = metadata.annotations;
  if (annotations === undefined || annotations === null) return [];
  if (!isObject(annotations)) return [];
  const text = annotations[IMAGES_ANNOTATION];
  if (text === undefined) return [];
  if (typeof text !== 'string') throw refusal('must be a string holding a YAML list');
  const entries = parseList(text);
  if (entries.length > maxImages) {
    throw refusal(`lists ${entries.length} images; at most ${maxImages} are mirrored per chart`);
  }
  return [...new Set(entries.map((entry, index) => imageOf(entry, index)))];
}

function parseList(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = load(text, { schema: CORE_SCHEMA });
  } catch (error) {
    throw refusal(`is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (parsed === undefined || parsed === null) return [];
  if (!Array.isArray(parsed)) throw refusal('must be a YAML list of {name, image} entries');
  return parsed;
}

function imageOf(entry: unknown, index: number): string {
  if (!isObject(entry)) throw refusal(`entry ${index} must be a mapping with name and image`);
  const { name, image, whitelisted } = entry;
  if (name !== undefined && (typeof name !== 'string' || name.length > MAX_NAME_LENGTH)) {
    throw refusal(`entry ${index}: name must be a string of at most ${MAX_NAME_LENGTH} characters`);
  }
  if (whitelisted !== undefined && typeof whitelisted !== 'boolean') {
    throw refusal(`entry ${index}: whitelisted must be true or false`);
  }
  if (typeof image !== 'string' || image.trim() === '') {
    throw refusal(`entry ${index}: image must be a non-empty string`);
  }
  if (image.length > MAX_IMAGE_LENGTH) {
    throw refusal(`entry ${index}: image is longer than ${MAX_IMAGE_LENGTH} characters`);
  }
  return image.trim();
}

function refusal(why: string): Rejection {
  return new Rejection(`Chart.yaml annotation ${IMAGES_ANNOTATION} ${why}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
