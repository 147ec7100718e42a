/** The `helm` binary, behind a token so tests and other modules depend on words, not on a CLI. */
export const HELM = Symbol('HELM');

export interface HelmRenderOptions {
  releaseName: string;
  namespace?: string;
  /** A values document; passed to helm as a values file (`-f`), never as `--set` strings. */
  valuesYaml?: string;
  /** Cap on the rendered output (bytes), below HELM_MAX_OUTPUT_BYTES; helm is stopped beyond it. */
  maxOutputBytes?: number;
  /** The target cluster's version (`--kube-version`): `.Capabilities.KubeVersion`, `kubeVersion` checks. */
  kubeVersion?: string;
  /** Extra API versions of the target cluster (`--api-versions`): `.Capabilities.APIVersions.Has`. */
  apiVersions?: readonly string[];
}

export interface HelmLintResult {
  ok: boolean;
  /** helm's findings (and its error output when it failed), trimmed. */
  messages: string;
}

export interface Helm {
  /**
   * A fingerprint of this helm build (sha256 of the executable): what a stored lint or template
   * verdict was produced by. Undefined when there is no executable to fingerprint.
   */
  build(): Promise<string | undefined>;
  /** Rejects with HelmError when helm was stopped by a limit (time, output, memory). */
  lint(chartPath: string): Promise<HelmLintResult>;
  /** `helm template`; resolves to the rendered multi-document YAML; rejects with HelmError(message = helm's stderr, trimmed) */
  template(chartPath: string, options: HelmRenderOptions): Promise<string>;
}

/** helm ran and refused: the message is what helm printed on stderr, for a person to act on. */
export class HelmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelmError';
  }
}

/** helm printed more than the caller's cap (`maxOutputBytes`) and was stopped. */
export class HelmOutputTooLarge extends HelmError {
  constructor(readonly limitBytes: number) {
    super(`helm printed more than ${limitBytes} bytes and was stopped`);
    this.name = 'HelmOutputTooLarge';
  }
}
