import { UnprocessableError } from '../../common/errors/domain-error';
import { FieldError } from '../../common/errors/problem';
import { KubernetesManifest } from '../../events/payloads';

/** An image copied into the NEMO registry at onboarding. */
export interface ImageMirror {
  source: string;
  mirrored: string;
  digest: string;
}

interface ImageReference {
  /** registry host and repository path, e.g. docker.io/library/nginx */
  repository: string;
  tag?: string;
  digest?: string;
}

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

/**
 * Parses a container image reference the way the container runtime does: a first component with a
 * dot, a colon or `localhost` is a registry; otherwise Docker Hub, with `library/` for official
 * images and `latest` when neither tag nor digest is given.
 */
export function parseImageReference(reference: string): ImageReference {
  const [nameAndTag, digest] = reference.trim().split('@', 2);
  const slash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > slash;
  const name = hasTag ? nameAndTag.slice(0, colon) : nameAndTag;
  const tag = hasTag ? nameAndTag.slice(colon + 1) : undefined;
  const [first, ...rest] = name.split('/');
  const isRegistry = rest.length > 0 && (/[.:]/.test(first) || first === 'localhost');
  const registry = isRegistry
    ? first.replace(/^(index|registry-1)\.docker\.io$/, 'docker.io')
    : 'docker.io';
  const path = isRegistry ? rest.join('/') : name;
  const repositoryPath = registry === 'docker.io' && !path.includes('/') ? `library/${path}` : path;
  return {
    repository: `${registry}/${repositoryPath}`,
    tag: tag ?? (digest ? undefined : 'latest'),
    digest,
  };
}

export function normalizeImageReference(reference: string): string {
  const parsed = parseImageReference(reference);
  return `${parsed.repository}${parsed.tag ? `:${parsed.tag}` : ''}${parsed.digest ? `@${parsed.digest}` : ''}`;
}

/** Looks an image up by its normalized reference, or by repository + digest when pinned. */
class MirrorIndex {
  private readonly bySource = new Map<string, ImageMirror>();
  private readonly byDigest = new Map<string, ImageMirror>();
  private readonly mirrored = new Set<string>();

  constructor(mirrors: ImageMirror[]) {
    for (const mirror of mirrors) {
      const source = parseImageReference(mirror.source);
      this.bySource.set(normalizeImageReference(mirror.source), mirror);
      this.byDigest.set(`${source.repository}@${mirror.digest}`, mirror);
      this.mirrored.add(normalizeImageReference(mirror.mirrored));
    }
  }

  /** The reference to use instead of `image`, the same one if already mirrored, or undefined. */
  resolve(image: string): string | undefined {
    const normalized = normalizeImageReference(image);
    if (this.mirrored.has(normalized)) return image;
    const bySource = this.bySource.get(normalized);
    if (bySource) return bySource.mirrored;
    const parsed = parseImageReference(image);
    return parsed.digest
      ? this.byDigest.get(`${parsed.repository}@${parsed.digest}`)?.mirrored
      : undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * The pod specs inside a manifest, recognised by their shape (an object with a `containers` list)
 * wherever they sit: a Pod's spec, a PodTemplate's template, a controller's `spec.template`
 * (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job), a CronJob's
 * `spec.jobTemplate.spec.template`, `List` items and custom kinds embedding a pod template. The
 * onboarding image collector walks the same way, so every image it mirrored is found here.
 */
export function podSpecsOf(manifest: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(manifest)) return manifest.flatMap(podSpecsOf);
  const node = asRecord(manifest);
  if (!node) return [];
  const own = Array.isArray(node.containers) ? [node] : [];
  return [...own, ...Object.values(node).flatMap(podSpecsOf)];
}

export interface ImageRewrite {
  object: string;
  container: string;
  from: string;
  to: string;
}

function objectName(manifest: KubernetesManifest): string {
  return `${manifest.kind}/${String(asRecord(manifest.metadata)?.name ?? '')}`;
}

/**
 * Points every container of every workload at the image mirrored into the NEMO registry at
 * onboarding. Pure: returns rewritten copies. An image that was never mirrored (e.g. switched on
 * by the caller's values) is refused with 422, since the clusters may only pull from NEMO.
 */
export function rewriteImages(
  manifests: KubernetesManifest[],
  mirrors: ImageMirror[],
): { manifests: KubernetesManifest[]; rewrites: ImageRewrite[] } {
  const index = new MirrorIndex(mirrors);
  const rewrites: ImageRewrite[] = [];
  const missing: FieldError[] = [];
  const copies = manifests.map((manifest) => structuredClone(manifest));
  for (const manifest of copies) {
    for (const podSpec of podSpecsOf(manifest)) {
      for (const list of CONTAINER_LISTS) {
        const containers = Array.isArray(podSpec[list]) ? (podSpec[list] as unknown[]) : [];
        for (const container of containers.map(asRecord)) {
          if (!container || typeof container.image !== 'string') continue;
          const from = container.image;
          const name = String(container.name ?? '');
          const to = index.resolve(from);
          if (to === undefined) {
            missing.push({
              field: `${objectName(manifest)}.${list}[${name}].image`,
              reason: `${from} was not mirrored when the workload document was onboarded`,
            });
            continue;
          }
          container.image = to;
          if (to !== from)
            rewrites.push({ object: objectName(manifest), container: name, from, to });
        }
      }
    }
  }
  if (missing.length > 0) {
    throw new UnprocessableError(
      'image_not_mirrored',
      `${missing[0].field}: ${missing[0].reason}; render with values that keep the onboarded images`,
      missing,
    );
  }
  return { manifests: copies, rewrites };
}
