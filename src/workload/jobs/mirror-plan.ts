import { Gate } from '../../common/concurrency/gate';
import { mapLimit } from '../../common/concurrency/map-limit';
import { ImageReference } from '../../infra/registry/image-reference';

/** The cosign companion tags of an image digest: `sha256-<hex>.sig`, `.att`, `.sbom`. */
export const COMPANION_KINDS = ['sig', 'att', 'sbom'] as const;
export type CompanionKind = (typeof COMPANION_KINDS)[number];

/** A companion tag the source holds for the mirrored digest. */
export interface FoundCompanion {
  kind: CompanionKind;
  /** The NEMO registry already serves the source's manifest under the same tag. */
  mirrored: boolean;
}

export interface MirroredImage {
  /** As the chart names it. */
  source: string;
  mirrored: string;
  digest: string;
  /** false when the NEMO registry already served the source's digest under the mirrored tag. */
  copied: boolean;
  /** The companion tags the source holds for `digest`, now in the mirror repository too. */
  companions: CompanionKind[];
}

/** An image a chart is expected to use, with the digest it was mirrored with before, if any. */
export interface ExpectedImage {
  image: string;
  earlierDigest?: string;
}

export interface PlannedImage {
  /** As the chart names it. */
  image: string;
  source: ImageReference;
  target: ImageReference;
}

/** The work on one image, as ImageMirrorService does it; a plan decides when each step runs. */
export interface MirrorSteps {
  /** Parses every reference; rejects the whole list (ImageRejection) for one bad reference. */
  parse(images: string[]): PlannedImage[];
  /** Refuses (ImageRejection) an image whose registry the egress policy does not allow. */
  admit(item: PlannedImage): Promise<void>;
  /** The digest both registries agree on, or null (then copy). Never rejects. */
  check(item: PlannedImage): Promise<string | null>;
  /** Copies the image, retried within its time budget counted from `since`; answers the digest. */
  copy(item: PlannedImage, since: number): Promise<string>;
  /** The companion tags of `digest` the source holds (registry HEADs only, nothing copied). */
  companions(item: PlannedImage, digest: string): Promise<FoundCompanion[]>;
  /** Copies the companion tags of `digest` named, within the image's time budget. */
  copyCompanions(
    item: PlannedImage,
    digest: string,
    companions: CompanionKind[],
    since: number,
  ): Promise<void>;
  /** What the NEMO registry now serves for the image. */
  mirrored(
    item: PlannedImage,
    digest: string,
    copied: boolean,
    companions: CompanionKind[],
  ): MirroredImage;
}

export interface MirrorOptions {
  /** Copies wait for it to pass (onboarding: `helm lint`); digest checks do not. */
  copyAfter?: Gate;
  /** Called as each image is mirrored; its failure fails the mirroring. */
  onMirrored?: (image: MirroredImage) => Promise<void>;
}

/**
 * One chart's mirroring, built once per onboarding (ImageMirrorService.plan). Digest checks of the
 * images the chart is expected to use may start before it is known which it uses (`checkAhead`,
 * while helm renders); `mirror` takes their answers for the images it mirrors and checks the others
 * itself. `close` starts no further check and waits for those running: nothing of a plan outlives
 * the onboarding that built it.
 */
export class MirrorPlan {
  private readonly ahead = new Map<string, Promise<string | null>>();
  /** Companion lookups started by `checkAhead` for the digests its checks agreed on. */
  private readonly companionsAhead = new Map<string, Promise<FoundCompanion[] | undefined>>();
  /** Every lookup started ahead, kept or not: `close` waits for them all. */
  private readonly lookups: Promise<unknown>[] = [];
  private checking: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly steps: MirrorSteps,
    private readonly parallelism: number,
  ) {}

  /**
   * Starts the digest checks of `images`, up to the plan's parallelism; copies nothing. The first
   * entry of an image counts. Beside the check of an image with an earlier digest, the companions
   * of that digest are looked up at once: an image whose digest did not change (most of them, in a
   * re-onboarding) pays one round of registry requests, not a check and then the lookups.
   */
  checkAhead(images: ExpectedImage[]): void {
    const answers = images.flatMap(({ image, earlierDigest }) => {
      const item = this.parsed(image);
      if (!item || this.ahead.has(image)) return [];
      const answer = deferred<string | null>();
      this.ahead.set(image, answer.promise);
      return [{ item, earlierDigest, answer }];
    });
    const checks = mapLimit(answers, this.parallelism, async ({ item, earlierDigest, answer }) => {
      if (this.closed) return answer.resolve(null);
      const early = earlierDigest ? this.lookAhead(item, earlierDigest) : undefined;
      const digest = await this.steps.check(item);
      if (digest) {
        const found = digest === earlierDigest && early ? early : this.lookAhead(item, digest);
        this.companionsAhead.set(item.image, found);
      }
      answer.resolve(digest);
    });
    this.checking = Promise.all([this.checking, checks]);
  }

  /**
   * Mirrors every image, in parallel up to the plan's parallelism; the first failure stops new
   * images from starting and is the one thrown once the running ones are done.
   */
  async mirror(images: string[], options: MirrorOptions = {}): Promise<MirroredImage[]> {
    const planned = this.steps.parse(images);
    const copyAfter = options.copyAfter ?? Gate.open();
    return mapLimit(planned, this.parallelism, async (item) => {
      const mirrored = await this.mirrorOne(item, copyAfter);
      await options.onMirrored?.(mirrored);
      return mirrored;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.checking;
    await Promise.all(this.lookups);
  }

  /**
   * An image already mirrored has its companions looked up with the digest check's answer (ahead,
   * beside helm, when `checkAhead` checked it); a copied one right after its copy. Only companion
   * tags the mirror lacks are copied, and only once `copyAfter` passed.
   */
  private async mirrorOne(item: PlannedImage, copyAfter: Gate): Promise<MirroredImage> {
    const since = Date.now();
    await this.steps.admit(item);
    const existing = await (this.ahead.get(item.image) ?? this.steps.check(item));
    if (existing) {
      const found =
        (await this.companionsAhead.get(item.image)) ??
        (await this.steps.companions(item, existing));
      const kinds = await this.copyMissing(item, existing, found, copyAfter, since);
      return this.steps.mirrored(item, existing, false, kinds);
    }
    await copyAfter.passed();
    const digest = await this.steps.copy(item, since);
    const found = await this.steps.companions(item, digest);
    const kinds = await this.copyMissing(item, digest, found, copyAfter, since);
    return this.steps.mirrored(item, digest, true, kinds);
  }

  private async copyMissing(
    item: PlannedImage,
    digest: string,
    found: FoundCompanion[],
    copyAfter: Gate,
    since: number,
  ): Promise<CompanionKind[]> {
    const missing = found.filter((companion) => !companion.mirrored).map(({ kind }) => kind);
    if (missing.length > 0) {
      await copyAfter.passed();
      await this.steps.copyCompanions(item, digest, missing, since);
    }
    return found.map(({ kind }) => kind);
  }

  /** A lookup that fails ahead is done again by `mirror`, which then reports its failure. */
  private lookAhead(item: PlannedImage, digest: string): Promise<FoundCompanion[] | undefined> {
    const lookup = this.companionsOrNothing(item, digest);
    this.lookups.push(lookup);
    return lookup;
  }

  private async companionsOrNothing(
    item: PlannedImage,
    digest: string,
  ): Promise<FoundCompanion[] | undefined> {
    try {
      return await this.steps.companions(item, digest);
    } catch {
      return undefined;
    }
  }

  /** Undefined for a reference that does not parse: `mirror` rejects it, should the chart use it. */
  private parsed(image: string): PlannedImage | undefined {
    try {
      return this.steps.parse([image])[0];
    } catch {
      return undefined;
    }
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}
