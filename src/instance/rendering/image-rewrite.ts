import { UnprocessableError } from '../../common/errors/domain-error';
import { FieldError } from '../../common/errors/problem';
import { KubernetesManifest } from '../../common/kubernetes-manifest';

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

/** One line of an instance's image lock: what the chart names and what the cluster pulls. */
export interface ImageLockEntry {
  /** The image as the chart names it (recorded at onboarding). */
  source: string;
  /** What the rendered manifests say instead: `<mirror repository>@<digest>` when pinned. */
  reference: string;
  /** The digest recorded at onboarding (of the manifest list for multi-arch images). */
  digest: string;
}

/** The repository part of a reference: without its `@digest` and `:tag`, not normalized. */
function repositoryOf(reference: string): string {
  const name = reference.split('@', 1)[0];
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

/** The mirror pinned to the digest recorded at onboarding: a tag moved later cannot change it. */
export function pinnedReference(mirror: ImageMirror): string {
  return `${repositoryOf(mirror.mirrored)}@${mirror.digest}`;
}

/**
 * Looks an image up by its normalized reference, by repository + digest when pinned, or as one of
 * the NEMO references of a mirror (its tag or its pinned digest).
 */
class MirrorIndex {
  private readonly bySource = new Map<string, ImageMirror>();
  private readonly byDigest = new Map<string, ImageMirror>();
  private readonly byMirrored = new Map<string, ImageMirror>();

  constructor(mirrors: ImageMirror[]) {
    for (const mirror of mirrors) {
      const source = parseImageReference(mirror.source);
      this.bySource.set(normalizeImageReference(mirror.source), mirror);
      this.byDigest.set(`${source.repository}@${mirror.digest}`, mirror);
      this.byMirrored.set(normalizeImageReference(mirror.mirrored), mirror);
      this.byMirrored.set(normalizeImageReference(pinnedReference(mirror)), mirror);
    }
  }

  /** The mirror of `image`, and whether `image` already names the NEMO registry. */
  find(image: string): { mirror: ImageMirror; inRegistry: boolean } | undefined {
    const normalized = normalizeImageReference(image);
    const mirrored = this.byMirrored.get(normalized);
    if (mirrored) return { mirror: mirrored, inRegistry: true };
    const parsed = parseImageReference(image);
    const mirror =
      this.bySource.get(normalized) ??
      (parsed.digest ? this.byDigest.get(`${parsed.repository}@${parsed.digest}`) : undefined);
    return mirror ? { mirror, inRegistry: false } : undefined;
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

export interface ImageRewriteOptions {
  /** RENDER_PIN_DIGESTS: `<mirror repository>@<digest>` instead of the mirror's tag. */
  pinDigests: boolean;
}

type ContainerVisitor = (
  container: Record<string, unknown> & { image: string },
  where: { manifest: KubernetesManifest; list: string },
) => void;

function forEachContainer(manifests: KubernetesManifest[], visit: ContainerVisitor): void {
  for (const manifest of manifests) {
    for (const podSpec of podSpecsOf(manifest)) {
      for (const list of CONTAINER_LISTS) {
        const containers = Array.isArray(podSpec[list]) ? (podSpec[list] as unknown[]) : [];
        for (const container of containers.map(asRecord)) {
          if (!container || typeof container.image !== 'string') continue;
          visit(container as Record<string, unknown> & { image: string }, { manifest, list });
        }
      }
    }
  }
}

/** Adds a lock line per source image, in the order the manifests first use them. */
function lockLine(lock: Map<string, ImageLockEntry>, mirror: ImageMirror, reference: string): void {
  if (!lock.has(mirror.source)) {
    lock.set(mirror.source, { source: mirror.source, reference, digest: mirror.digest });
  }
}

/**
 * Points every container (init and ephemeral ones too) of every workload — Pods, controllers,
 * Jobs, CronJobs' job templates — at the image mirrored into the NEMO registry at onboarding,
 * pinned to the digest recorded then (RENDER_PIN_DIGESTS). Pure: returns rewritten copies and the
 * image lock, with no registry call. An image that was never mirrored (e.g. switched on by the
 * caller's values) is refused with 422, since the clusters may only pull from NEMO.
 */
export function rewriteImages(
  manifests: KubernetesManifest[],
  mirrors: ImageMirror[],
  options: ImageRewriteOptions,
): { manifests: KubernetesManifest[]; rewrites: ImageRewrite[]; lock: ImageLockEntry[] } {
  const index = new MirrorIndex(mirrors);
  const rewrites: ImageRewrite[] = [];
  const lock = new Map<string, ImageLockEntry>();
  const missing: FieldError[] = [];
  const copies = manifests.map((manifest) => structuredClone(manifest));
  forEachContainer(copies, (container, { manifest, list }) => {
    const from = container.image;
    const name = String(container.name ?? '');
    const found = index.find(from);
    if (!found) {
      missing.push({
        field: `${objectName(manifest)}.${list}[${name}].image`,
        reason: `${from} was not mirrored when the workload document was onboarded`,
      });
      return;
    }
    const to = options.pinDigests
      ? pinnedReference(found.mirror)
      : found.inRegistry
        ? from
        : found.mirror.mirrored;
    container.image = to;
    lockLine(lock, found.mirror, to);
    if (to !== from) rewrites.push({ object: objectName(manifest), container: name, from, to });
  });
  if (missing.length > 0) {
    throw new UnprocessableError(
      'image_not_mirrored',
      `${missing[0].field}: ${missing[0].reason}; render with values that keep the onboarded images, or declare the image in the chart's Chart.yaml annotation artifacthub.io/images so that onboarding mirrors it`,
      missing,
    );
  }
  return { manifests: copies, rewrites, lock: [...lock.values()] };
}

/**
 * The image lock of manifests rendered before (a rollback hands them out again): each NEMO
 * reference they hold, traced back to the mirror it came from.
 */
export function imageLockOf(
  manifests: KubernetesManifest[],
  mirrors: ImageMirror[],
): ImageLockEntry[] {
  const index = new MirrorIndex(mirrors);
  const lock = new Map<string, ImageLockEntry>();
  forEachContainer(manifests, (container) => {
    const found = index.find(container.image);
    if (found) lockLine(lock, found.mirror, container.image);
  });
  return [...lock.values()];
}
