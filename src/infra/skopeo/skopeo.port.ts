/** The `skopeo` binary behind a token: copies images between registries. */
export const SKOPEO = Symbol('SKOPEO');

export interface Skopeo {
  /**
   * `skopeo copy --all --preserve-digests docker://source docker://destination` with TLS settings
   * and credentials from configuration; resolves to the digest of the pushed manifest (or list).
   * Rejects with SkopeoError (message = skopeo's stderr, trimmed).
   */
  copy(source: string, destination: string): Promise<string>;
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
}
