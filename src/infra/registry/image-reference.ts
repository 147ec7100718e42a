/** A container image reference, normalized the way docker and skopeo read it. */
export interface ImageReference {
  /** e.g. docker.io, quay.io, 127.0.0.1:55000 */
  registry: string;
  /** e.g. library/nginx */
  repository: string;
  tag?: string;
  digest?: string;
}

export class InvalidImageReference extends Error {
  constructor(reference: string, why: string) {
    super(`"${reference.slice(0, 300)}" is not a valid image reference: ${why}`);
    this.name = 'InvalidImageReference';
  }
}

export const DOCKER_HUB = 'docker.io';
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;

/**
 * Parses `[registry/]repository[:tag][@digest]` with docker's defaults: no registry means Docker
 * Hub, a Hub repository without a namespace is `library/…`, no tag and no digest means `latest`.
 */
export function parseImageReference(reference: string): ImageReference {
  const text = reference.trim();
  if (text === '' || /\s/.test(text))
    throw new InvalidImageReference(reference, 'empty or has spaces');
  const [nameAndTag, digest, extra] = text.split('@');
  if (extra !== undefined) throw new InvalidImageReference(reference, 'more than one "@"');
  if (digest !== undefined && !DIGEST.test(digest)) {
    throw new InvalidImageReference(reference, 'the digest is malformed');
  }
  const { name, tag } = splitTag(nameAndTag, reference);
  const { registry, repository } = splitRegistry(name, reference);
  return {
    registry,
    repository,
    tag: tag ?? (digest === undefined ? 'latest' : undefined),
    digest,
  };
}

function splitTag(nameAndTag: string, reference: string): { name: string; tag?: string } {
  const lastSlash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  if (colon <= lastSlash) return { name: nameAndTag };
  const tag = nameAndTag.slice(colon + 1);
  if (!TAG.test(tag)) throw new InvalidImageReference(reference, `the tag "${tag}" is malformed`);
  return { name: nameAndTag.slice(0, colon), tag };
}

function splitRegistry(name: string, reference: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const hasRegistry =
    first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasRegistry ? first.toLowerCase() : DOCKER_HUB;
  let repository = hasRegistry ? name.slice(slash + 1) : name;
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  if (hasRegistry && !HOST.test(first)) {
    throw new InvalidImageReference(reference, `the registry "${first}" is malformed`);
  }
  const bad = repository.split('/').find((component) => !COMPONENT.test(component));
  if (bad !== undefined) {
    throw new InvalidImageReference(
      reference,
      `the path component "${bad}" is not lowercase [a-z0-9._-]`,
    );
  }
  return { registry, repository };
}

/** `registry/repository[:tag][@digest]`, the full form skopeo and Kubernetes accept. */
export function formatImageReference(image: ImageReference): string {
  const tag = image.tag ? `:${image.tag}` : '';
  const digest = image.digest ? `@${image.digest}` : '';
  return `${image.registry}/${image.repository}${tag}${digest}`;
}

/** The host that answers the registry API for a registry name (Docker Hub is special). */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

/**
 * Where a source image lives in the NEMO registry: `<registry host>[/<path>]/<source registry>/<repository>`,
 * keeping the source registry in the path so equal repository names of two registries never meet.
 * A digest-only source gets the tag `sha256-<hex>` (a registry cannot be pushed to by digest).
 */
export function mirrorTarget(
  source: ImageReference,
  registryHost: string,
  mirrorPath: string,
): ImageReference {
  const [host, ...hostPath] = registryHost.split('/');
  const sourceRegistry = source.registry
    .toLowerCase()
    .replace(/[:[\]]/g, '-')
    .replace(/-+$/, '');
  const repository = [...hostPath, ...mirrorPath.split('/'), sourceRegistry, source.repository]
    .filter(Boolean)
    .join('/');
  const tag = source.tag ?? source.digest?.replace(':', '-');
  return { registry: host, repository, tag, digest: source.digest };
}
