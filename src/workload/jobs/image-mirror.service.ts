import { Inject, Injectable, Logger } from '@nestjs/common';
import { withRetries } from '../../common/concurrency/map-limit';
import { MirrorConfig } from '../../config/slices/mirror.config';
import { RegistryConfig } from '../../config/slices/registry.config';
import { allowedAddresses } from '../../infra/egress/egress-guard';
import { EgressPolicy, parseEgressAllowList } from '../../common/egress/egress-policy';
import { normalizeHost, readAuthFile, RegistryCredentials } from '../../infra/registry/auth-file';
import {
  formatImageReference,
  ImageReference,
  mirrorTarget,
  parseImageReference,
  registryApiHost,
} from '../../infra/registry/image-reference';
import {
  REGISTRY,
  Registry,
  RegistryEndpoint,
  RegistryUnreachable,
} from '../../infra/registry/registry.port';
import { SKOPEO, Skopeo, SkopeoError } from '../../infra/skopeo/skopeo.port';
import {
  COMPANION_KINDS,
  CompanionKind,
  FoundCompanion,
  MirrorPlan,
  MirrorSteps,
  PlannedImage,
} from './mirror-plan';

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

/** cosign's tag for a companion of `digest` (`sha256:<hex>`): `sha256-<hex>.<kind>`. */
export function companionTag(digest: string, kind: CompanionKind): string {
  return `${digest.replace(':', '-')}.${kind}`;
}

/**
 * Mirrors images into the NEMO registry, in parallel up to MIRROR_PARALLELISM. Before copying, two
 * HTTP HEADs (source and NEMO registry) compare digests: an image mirrored before costs no skopeo
 * process. Copies use `skopeo copy --all --preserve-digests`, retried with backoff. The cosign
 * companion tags of each digest (signature, attestation, SBOM) that the source holds are copied
 * along under the same tag names.
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
    @Inject(REGISTRY) private readonly registry: Registry,
    private readonly config: MirrorConfig,
    private readonly registries: RegistryConfig,
  ) {
    const nemoRegistry = registries.REGISTRY_HOST.split('/')[0];
    this.sourcePolicy = parseEgressAllowList(
      `${config.IMAGE_SOURCE_ALLOW_PRIVATE},${nemoRegistry}`,
    );
    this.realmCredentialHosts = config.IMAGE_REALM_CREDENTIAL_HOSTS.split(',')
      .map((host) => host.trim().toLowerCase())
      .filter(Boolean);
  }

  /** A plan for mirroring one chart's images: see {@link MirrorPlan}. */
  plan(): MirrorPlan {
    const steps: MirrorSteps = {
      parse: (images) => this.parse(images),
      admit: (item) => this.checkEgress(item.image, item.source),
      check: (item) => this.check(item),
      copy: (item, since) => this.copyWithin(item, since + this.config.IMAGE_MIRROR_TIMEOUT_MS),
      companions: (item, digest) => this.findCompanions(item, digest),
      copyCompanions: (item, digest, kinds, since) =>
        this.copyCompanions(item, digest, kinds, since + this.config.IMAGE_MIRROR_TIMEOUT_MS),
      mirrored: (item, digest, copied, companions) => ({
        source: item.image,
        mirrored: formatImageReference(
          item.source.digest
            ? { ...item.target, tag: undefined, digest }
            : { ...item.target, digest: undefined },
        ),
        digest,
        copied,
        companions,
      }),
    };
    return new MirrorPlan(steps, this.config.MIRROR_PARALLELISM);
  }

  /**
   * Parses every reference first, so a bad one rejects the chart before anything is copied; more
   * than IMAGE_MAX_PER_CHART images reject it too.
   */
  private parse(images: string[]): PlannedImage[] {
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
        target: mirrorTarget(
          source,
          this.registries.REGISTRY_HOST,
          this.registries.REGISTRY_MIRROR_PATH,
        ),
      };
    });
  }

  /**
   * With MIRROR_SKIP_EXISTING off every image is copied, so nothing is checked. A check that fails
   * (a registry unreachable, refused, answering nonsense) just means: copy, which says why if it fails.
   */
  private async check({ source, target }: PlannedImage): Promise<string | null> {
    if (!this.config.MIRROR_SKIP_EXISTING) return null;
    try {
      return await this.alreadyMirrored(source, { ...target, digest: undefined });
    } catch (error) {
      this.logger.warn(
        `Digests of ${formatImageReference(source)} not compared, copying: ${(error as Error).message}`,
      );
      return null;
    }
  }

  /**
   * HEADs of the three cosign tags of `digest` in the source, all at once; only for a tag the
   * source holds, with MIRROR_SKIP_EXISTING, a HEAD of the same tag in the mirror repository: most
   * images have no companions, and their re-onboarding pays one round of HEADs, not two. A missing
   * tag is a 404, no skopeo process. A source that cannot answer rejects the image like a failed
   * copy would.
   */
  private async findCompanions(
    { image, source, target }: PlannedImage,
    digest: string,
  ): Promise<FoundCompanion[]> {
    const lookups = COMPANION_KINDS.map(async (kind) => {
      const tag = companionTag(digest, kind);
      const inSource = await this.registry.manifestDigest(
        { ...source, tag, digest: undefined },
        this.sourceEndpoint(source),
      );
      if (!inSource) return [];
      const inMirror = this.config.MIRROR_SKIP_EXISTING
        ? await this.mirroredCompanion({ ...target, tag, digest: undefined })
        : null;
      return [{ kind, mirrored: inSource === inMirror }];
    });
    try {
      return (await Promise.all(lookups)).flat();
    } catch (error) {
      throw this.unreachable(image, error);
    }
  }

  /** A mirror that cannot say just means: copy. */
  private async mirroredCompanion(reference: ImageReference): Promise<string | null> {
    try {
      return await this.registry.manifestDigest(reference, this.nemoEndpoint());
    } catch (error) {
      this.logger.warn(
        `Companion ${formatImageReference(reference)} not compared, copying: ${(error as Error).message}`,
      );
      return null;
    }
  }

  /** Companion tags are copied like images, one skopeo process each, under the same tag names. */
  private async copyCompanions(
    { image, source, target }: PlannedImage,
    digest: string,
    kinds: CompanionKind[],
    deadline: number,
  ): Promise<void> {
    await Promise.all(
      kinds.map((kind) => {
        const tag = companionTag(digest, kind);
        return this.copy(
          `${image} (${tag})`,
          { ...source, tag, digest: undefined },
          { ...target, tag, digest: undefined },
          deadline,
        );
      }),
    );
  }

  /** A ping of the source registry, then the copy, all before `deadline`. */
  private async copyWithin(
    { image, source, target }: PlannedImage,
    deadline: number,
  ): Promise<string> {
    await this.reach(image, source, deadline);
    return this.copy(image, source, { ...target, digest: undefined }, deadline);
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
      : this.registries.SOURCE_REGISTRY_TLS_VERIFY
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

  /** The digest both registries agree on, or null (then copy); rejects when either cannot say. */
  private async alreadyMirrored(
    source: ImageReference,
    destination: ImageReference,
  ): Promise<string | null> {
    const [sourceDigest, destinationDigest] = await Promise.all([
      source.digest ?? this.registry.manifestDigest(source, this.sourceEndpoint(source)),
      this.registry.manifestDigest(destination, this.nemoEndpoint()),
    ]);
    return sourceDigest && sourceDigest === destinationDigest ? sourceDigest : null;
  }

  private nemoEndpoint(): RegistryEndpoint {
    const { REGISTRY_USERNAME: username, REGISTRY_PASSWORD: password } = this.registries;
    return {
      tlsVerify: this.registries.REGISTRY_TLS_VERIFY,
      credentials: username && password ? { username, password } : undefined,
    };
  }

  private sourceEndpoint(source: ImageReference): RegistryEndpoint {
    if (this.registries.SOURCE_REGISTRY_AUTH_FILE && !this.sourceCredentials) {
      this.sourceCredentials = readAuthFile(this.registries.SOURCE_REGISTRY_AUTH_FILE);
    }
    return {
      tlsVerify: this.registries.SOURCE_REGISTRY_TLS_VERIFY,
      credentials: this.sourceCredentials?.get(normalizeHost(source.registry)),
      egress: this.sourcePolicy,
      realmCredentialHosts: this.realmCredentialHosts,
    };
  }
}
