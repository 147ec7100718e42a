import { CopyOptions, Skopeo, SkopeoError } from '../../src/infra/skopeo/skopeo.port';
import { MemoryRegistry } from './registry';

/** A skopeo, real or fake, counting its copies. */
export class CountingSkopeo implements Skopeo {
  copies = 0;

  constructor(private readonly inner: Skopeo) {}

  copy(source: string, destination: string, options?: CopyOptions): Promise<string> {
    this.copies += 1;
    return this.inner.copy(source, destination, options);
  }
}

/** Copies between the manifests of a MemoryRegistry; a copy of a missing source fails as skopeo's. */
export class MemorySkopeo implements Skopeo {
  readonly copied: string[] = [];

  constructor(private readonly registry: MemoryRegistry) {}

  async copy(source: string, destination: string): Promise<string> {
    const digest = this.registry.manifests.get(source);
    if (!digest) throw new SkopeoError(`initializing source docker://${source}: manifest unknown`);
    this.registry.manifests.set(destination, digest);
    this.copied.push(source);
    return digest;
  }
}
