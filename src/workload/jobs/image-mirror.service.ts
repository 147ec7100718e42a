import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { allowedAddresses } from '../../infra/egress/egress-guard';
import { EgressPolicy, parseEgressAllowList } from '../../infra/egress/egress-policy';
import { normalizeHost, readAuthFile, RegistryCredentials } from '../../infra/skopeo/auth-file';
import {
  formatImageReference,
  ImageReference,
  mirrorTarget,
  parseImageReference,
  registryApiHost,
} from '../../infra/skopeo/image-reference';
import {
  REGISTRY_CLIENT,
  RegistryClient,
  RegistryEndpoint,
  RegistryUnreachable,
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

/**
 * One reason for every image whose registry is refused, unreachable, silent or too slow, so a
 * rejection never tells an internal address from a closed port from a timeout (the details go to
 * the worker log).
 */
export function unreachableImage(image: string): string {
  return `image ${image} cannot be mirrored: its registry is not reachable from NEMO in time or is not an allowed destination`;
}

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
 *
 * Source registries are named by tenants: every connection to one passes the egress policy
 * (IMAGE_SOURCE_ALLOW_PRIVATE; the NEMO registry is trusted), and all the work on one image —
 * checks, pings, copies, retries — fits in IMAGE_MIRROR_TIMEOUT_MS.
 */
@Injectable()
export class ImageMirrorService {
  private readonly logger = new Logger(ImageMirrorService.name);
  private readonly sourcePolicy: EgressPolicy;
  private readonly realmCredentialHosts: string[];
  private sourceCredentials?: Map<string, RegistryCredentials>;

  constructor(
    @Inject(SKOPEO) private readonly skopeo: Skopeo,
    @Inject(REGISTRY_CLIENT) private readonly registry: RegistryClient,
    private readonly config: AppConfig,
  ) {
    const nemoRegistry = config.REGISTRY_HOST.split('/')[0];
    this.sourcePolicy = parseEgressAllowList(
      `${config.IMAGE_SOURCE_ALLOW_PRIVATE},${nemoRegistry}`,
    );
    this.realmCredentialHosts = config.IMAGE_REALM_CREDENTIAL_HOSTS.split(',')
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean);
  }

  /**
   * Parses every reference first, so a bad one rejects the chart before anything is copied; more
   * than IMAGE_MAX_PER_CHART images reject it too.
   */
  plan(images: string[]): PlannedImage[] {
    const max = this.config.IMAGE_MAX_PER_CHART;
    if (images.length > max) {
      throw new ImageRejection(
        `the chart uses ${images.length} distinct container images; at most ${max} are mirrored per chart`,
      );
    }
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
    const deadline = Date.now() + this.config.IMAGE_MIRROR_TIMEOUT_MS;
    const destination = { ...target, digest: undefined };
    const mirrored = (digest: string): string =>
      source.digest
        ? formatImageReference({ ...destination, tag: undefined, digest })
        : formatImageReference(destination);
    await this.checkEgress(image, source);
    if (this.config.MIRROR_SKIP_EXISTING) {
      const existing = await (checked.get(image) ?? this.alreadyMirrored(source, destination));
      if (existing)
        return { source: image, mirrored: mirrored(existing), digest: existing, copied: false };
    }
    await copyAllowed;
    await this.reach(image, source, deadline);
    const digest = await this.copy(image, source, destination, deadline);
    return { source: image, mirrored: mirrored(digest), digest, copied: true };
  }

  /**
   * The source registry's resolved addresses must pass the egress policy. skopeo resolves the
   * name again itself (see README "Outbound connections"), so this runs right before each spawn.
   */
  private async checkEgress(image: string, source: ImageReference): Promise<void> {
    const url = new URL(`https://${registryApiHost(source.registry)}`);
    // Without TLS verification skopeo falls back to plain HTTP, on port 80 when none is named.
    const ports = url.port
      ? [Number(url.port)]
      : this.config.SOURCE_REGISTRY_TLS_VERIFY
        ? [443]
        : [443, 80];
    try {
      for (const port of ports) {
        await allowedAddresses(this.sourcePolicy, { host: url.hostname, port });
      }
    } catch (error) {
      throw this.unreachable(image, error);
    }
  }

  /** One cheap `GET /v2/` with short timeouts before a skopeo process waits on a silent port. */
  private async reach(image: string, source: ImageReference, deadline: number): Promise<void> {
    try {
      await withRetries(() => this.registry.ping(source, this.sourceEndpoint(source)), {
        retries: this.config.MIRROR_RETRIES,
        backoffMs: this.config.MIRROR_RETRY_BACKOFF_MS,
        retryable: (error) => error instanceof RegistryUnreachable && Date.now() < deadline,
        deadline,
      });
    } catch (error) {
      throw this.unreachable(image, error);
    }
  }

  private async copy(
    image: string,
    source: ImageReference,
    destination: ImageReference,
    deadline: number,
  ): Promise<string> {
    // containers/image refuses "name:tag@digest": a digest alone names the exact manifest.
    const from = formatImageReference(source.digest ? { ...source, tag: undefined } : source);
    const to = formatImageReference(destination);
    try {
      return await withRetries(
        async () => {
          const remaining = deadline - Date.now();
          if (remaining < 1000) throw new ImageRejection(unreachableImage(image));
          await this.checkEgress(image, source);
          return this.skopeo.copy(from, to, { timeoutMs: remaining });
        },
        {
          retries: this.config.MIRROR_RETRIES,
          backoffMs: this.config.MIRROR_RETRY_BACKOFF_MS,
          retryable: (error) => error instanceof SkopeoError && !error.sourceProblem,
          deadline,
        },
      );
    } catch (error) {
      throw this.copyFailure(image, source, destination, error, deadline);
    }
  }

  /**
   * What a tenant is told: a missing or refused image as such, anything else on the source's side
   * (or a spent time budget) in the one generic text; a failure writing the NEMO registry is the
   * operator's problem and fails the attempt (the job retries) without skopeo's words.
   */
  private copyFailure(
    image: string,
    source: ImageReference,
    destination: ImageReference,
    error: unknown,
    deadline: number,
  ): Error {
    if (error instanceof ImageRejection) return error;
    if (!(error instanceof SkopeoError)) return error as Error;
    this.logger.warn(`Image ${image} was not copied: ${error.message}`);
    if (error.sourceProblem) {
      return new ImageRejection(
        `image ${image} cannot be read from its registry: manifest unknown (no such image or tag) or access denied`,
      );
    }
    const sourceHost = registryApiHost(source.registry);
    if (error.sourceSide(sourceHost, destination.registry) || Date.now() >= deadline - 1000) {
      return new ImageRejection(unreachableImage(image));
    }
    return new Error(
      `image ${image} could not be copied into the NEMO registry (details in the worker log)`,
    );
  }

  private unreachable(image: string, error: unknown): ImageRejection {
    this.logger.warn(`Image ${image} refused or unreachable: ${(error as Error).message}`);
    return new ImageRejection(unreachableImage(image));
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
      egress: this.sourcePolicy,
      realmCredentialHosts: this.realmCredentialHosts,
    };
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}
