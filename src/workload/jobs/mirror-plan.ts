import { Gate } from '../../common/concurrency/gate';
import { mapLimit } from '../../common/concurrency/map-limit';
import { ImageReference } from '../../infra/registry/image-reference';

export interface MirroredImage {
  /** As the chart names it. */
  source: string;
  mirrored: string;
  digest: string;
  /** false when the NEMO registry already served the source's digest under the mirrored tag. */
  copied: boolean;
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
  /** What the NEMO registry now serves for the image. */
  mirrored(item: PlannedImage, digest: string, copied: boolean): MirroredImage;
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
  private checking: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly steps: MirrorSteps,
    private readonly parallelism: number,
  ) {}

  /** Starts the digest checks of `images`, up to the plan's parallelism; copies nothing. */
  checkAhead(images: string[]): void {
    const answers = [...new Set(images)].flatMap((image) => {
      const item = this.parsed(image);
      if (!item || this.ahead.has(image)) return [];
      const answer = deferred<string | null>();
      this.ahead.set(image, answer.promise);
      return [{ item, answer }];
    });
    const checks = mapLimit(answers, this.parallelism, async ({ item, answer }) =>
      answer.resolve(this.closed ? null : await this.steps.check(item)),
    );
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
  }

  private async mirrorOne(item: PlannedImage, copyAfter: Gate): Promise<MirroredImage> {
    const since = Date.now();
    await this.steps.admit(item);
    const existing = await (this.ahead.get(item.image) ?? this.steps.check(item));
    if (existing) return this.steps.mirrored(item, existing, false);
    await copyAfter.passed();
    return this.steps.mirrored(item, await this.steps.copy(item, since), true);
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
