/** The `helm` binary, behind a token so tests and other modules depend on words, not on a CLI. */
export const HELM = Symbol('HELM');

export interface HelmRenderOptions {
  releaseName: string;
  namespace?: string;
  /** A values document; passed to helm as a values file (`-f`), never as `--set` strings. */
  valuesYaml?: string;
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
