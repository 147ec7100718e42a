/** The `skopeo` binary behind a token: copies images between registries. */
export const SKOPEO = Symbol('SKOPEO');

export interface CopyOptions {
  /** Upper bound of this run (SKOPEO_TIMEOUT_MS bounds it too). */
  timeoutMs?: number;
}

export interface Skopeo {
  /**
   * `skopeo copy --all --preserve-digests docker://source docker://destination` with TLS settings
   * and credentials from configuration; resolves to the digest of the pushed manifest (or list).
   * Rejects with SkopeoError (message = skopeo's stderr, trimmed).
   */
  copy(source: string, destination: string, options?: CopyOptions): Promise<string>;
}

export class SkopeoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SkopeoError';
  }

  /** The source image is missing or refused to us: retrying later will not help. */
  get sourceProblem(): boolean {
    return (
      /initializing source/i.test(this.message) &&
      /manifest unknown|name unknown|not found|denied|unauthorized|authentication required/i.test(
        this.message,
      )
    );
  }

  /**
   * The failure happened on the side of the source: skopeo could not open it or read from `sourceHost`.
   * Errors reading the NEMO registry name only the destination.
   */
  sourceSide(sourceHost: string, destinationHost: string): boolean {
    if (/initializing source/i.test(this.message)) return true;
    return sourceHost !== destinationHost && this.message.includes(sourceHost);
  }
}
