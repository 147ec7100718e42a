import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { normalizeHost, readAuthFile, RegistryCredentials } from '../../infra/skopeo/auth-file';
import {
  formatImageReference,
  ImageReference,
  mirrorTarget,
  parseImageReference,
} from '../../infra/skopeo/image-reference';
import {
  REGISTRY_CLIENT,
  RegistryClient,
  RegistryEndpoint,
} from '../../infra/skopeo/registry-client';
import { SKOPEO, Skopeo, SkopeoError } from '../../infra/skopeo/skopeo.port';
import { mapLimit, withRetries } from './map-limit';

export interface MirroredImage {
  /** As the chart names it. */
  source: string;
  mirrored: string;
  digest: string;
  /** false when the NEMO registry already served the source's digest under the mirrored tag. */
  copied: boolean;
}

/** An image that cannot be mirrored because of the image itself: the upload is rejected. */
export class ImageRejection extends Error {}

/** Registry digest checks started ahead of mirroring, by image as the chart names it. */
export type DigestChecks = ReadonlyMap<string, Promise<string | null>>;

interface PlannedImage {
  image: string;
  source: ImageReference;
  target: ImageReference;
}

/**
 * Mirrors images into the NEMO registry, in parallel up to MIRROR_PARALLELISM. Before copying, two
 * HTTP HEADs (source and NEMO registry) compare digests: an image mirrored before costs no skopeo
 * process. Copies use `skopeo copy --all --preserve-digests`, retried with backoff.
 */
@Injectable()
export class ImageMirrorService {
  private sourceCredentials?: Map<string, RegistryCredentials>;

  constructor(
    @Inject(SKOPEO) private readonly skopeo: Skopeo,
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    private readonly config: AppConfig,
  ) {}

  /** Parses every reference first, so a bad one rejects the chart before anything is copied. */
  plan(images: string[]): PlannedImage[] {
    return images.map((image) => {
      let source: ImageReference;
      try {
        source = parseImageReference(image);
      } catch (error) {
        throw new ImageRejection((error as Error).message);
      }
      return {
        image,
        source,
        target: mirrorTarget(source, this.config.REGISTRY_HOST, this.config.REGISTRY_MIRROR_PATH),
      };
    });
  }

  /**
   * Starts the digest checks of images a chart is expected to use before it is known which it
   * uses (onboarding: while helm renders it); `mirrorAll` takes the answers of those it mirrors.
   * Copies nothing; unparsable references are left to `mirrorAll` to reject.
   */
  checkAhead(images: string[]): DigestChecks {
    if (!this.config.MIRROR_SKIP_EXISTING) return new Map();
    const plan = [...new Set(images)].flatMap((image) => {
      try {
        return this.plan([image]);
      } catch {
        return [];
      }
    });
    const answers = new Map(plan.map((item) => [item.image, deferred<string | null>()]));
    void mapLimit(plan, this.config.MIRROR_PARALLELISM, async (item) => {
      const answer = this.alreadyMirrored(item.source, { ...item.target, digest: undefined });
      answers.get(item.image)?.resolve(await answer.catch(() => null));
    });
    return new Map([...answers].map(([image, answer]) => [image, answer.promise]));
  }

  /**
   * `copyAllowed` lets digest checks start at once while copies wait for it (onboarding lets them
   * wait for `helm lint`): nothing is copied for a chart that a rejection stops, should it reject.
   * `checked` holds answers of `checkAhead`, used instead of checking those images again.
   */
  async mirrorAll(
    images: string[],
    onMirrored: (image: MirroredImage) => Promise<void>,
    copyAllowed: Promise<unknown> = Promise.resolve(),
    checked: DigestChecks = new Map(),
  ): Promise<MirroredImage[]> {
    const plan = this.plan(images);
    return mapLimit(plan, this.config.MIRROR_PARALLELISM, async (item) => {
      const mirrored = await this.mirrorOne(item, copyAllowed, checked);
      await onMirrored(mirrored);
      return mirrored;
    });
  }

  private async mirrorOne(
    { image, source, target }: PlannedImage,
    copyAllowed: Promise<unknown>,
    checked: DigestChecks,
  ): Promise<MirroredImage> {
    const destination = { ...target, digest: undefined };
    const mirrored = (digest: string): string =>
      source.digest
        ? formatImageReference({ ...destination, tag: undefined, digest })
        : formatImageReference(destination);
    if (this.config.MIRROR_SKIP_EXISTING) {
      const existing = await (checked.get(image) ?? this.alreadyMirrored(source, destination));
      if (existing)
        return { source: image, mirrored: mirrored(existing), digest: existing, copied: false };
    }
    await copyAllowed;
    const digest = await withRetries(
      // containers/image refuses "name:tag@digest": a digest alone names the exact manifest.
      () =>
        this.skopeo.copy(
          formatImageReference(source.digest ? { ...source, tag: undefined } : source),
          formatImageReference(destination),
        ),
      {
        retries: this.config.MIRROR_RETRIES,
        backoffMs: this.config.MIRROR_RETRY_BACKOFF_MS,
        retryable: (error) => !(error instanceof SkopeoError && error.sourceProblem),
      },
    ).catch((error: unknown) => {
      if (error instanceof SkopeoError && error.sourceProblem) {
        throw new ImageRejection(
          `image ${image} cannot be read from its registry: ${error.message}`,
        );
      }
      throw error;
    });
    return { source: image, mirrored: mirrored(digest), digest, copied: true };
  }

  /** The digest both registries agree on, or null (then copy). A failed check just means: copy. */
  private async alreadyMirrored(
    source: ImageReference,
    destination: ImageReference,
  ): Promise<string | null> {
    const [sourceDigest, destinationDigest] = await Promise.all([
      source.digest ??
        this.registry.manifestDigest(source, this.sourceEndpoint(source)).catch(() => null),
      this.registry.manifestDigest(destination, this.nemoEndpoint()).catch(() => null),
    ]);
    return sourceDigest && sourceDigest === destinationDigest ? sourceDigest : null;
  }

  private nemoEndpoint(): RegistryEndpoint {
    const { REGISTRY_USERNAME: username, REGISTRY_PASSWORD: password } = this.config;
    return {
      tlsVerify: this.config.REGISTRY_TLS_VERIFY,
      credentials: username && password ? { username, password } : undefined,
    };
  }

  private sourceEndpoint(source: ImageReference): RegistryEndpoint {
    if (this.config.SOURCE_REGISTRY_AUTH_FILE && !this.sourceCredentials) {
      this.sourceCredentials = readAuthFile(this.config.SOURCE_REGISTRY_AUTH_FILE);
    }
    return {
      tlsVerify: this.config.SOURCE_REGISTRY_TLS_VERIFY,
      credentials: this.sourceCredentials?.get(normalizeHost(source.registry)),
    };
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}
