import { formatImageReference, ImageReference } from '../../src/infra/registry/image-reference';
import { Registry, RegistryEndpoint } from '../../src/infra/registry/registry.port';

/** A registry, real or fake, noting each digest check as it starts. */
export class NotingRegistry implements Registry {
  constructor(
    private readonly inner: Registry,
    private readonly events: string[],
  ) {}

  manifestDigest(image: ImageReference, endpoint: RegistryEndpoint): Promise<string | null> {
    this.events.push(`check ${image.repository}`);
    return this.inner.manifestDigest(image, endpoint);
  }

  ping(image: ImageReference, endpoint: RegistryEndpoint): Promise<void> {
    return this.inner.ping(image, endpoint);
  }
}

/** Registries in memory: manifests by `host/repository:tag`, each answered after `delayMs`. */
export class MemoryRegistry implements Registry {
  readonly manifests = new Map<string, string>();
  readonly checks: string[] = [];
  delayMs = 0;

  /** Stores a manifest with a digest made from `name`; answers the reference and the digest. */
  push(
    reference: string,
    digest = `sha256:${Buffer.from(reference).toString('hex').slice(0, 64)}`,
  ) {
    this.manifests.set(reference, digest);
    return { reference, digest };
  }

  async manifestDigest(image: ImageReference): Promise<string | null> {
    const reference = formatImageReference({ ...image, digest: undefined });
    this.checks.push(reference);
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (image.digest)
      return [...this.manifests.values()].includes(image.digest) ? image.digest : null;
    return this.manifests.get(reference) ?? null;
  }

  async ping(): Promise<void> {}
}
