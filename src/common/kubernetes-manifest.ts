/**
 * A Kubernetes object as rendering, ingress exposure, revision diffs and storage handle it:
 * `apiVersion` and `kind`, the rest opaque. Deliberately not the event contract's type: those
 * modules work on Kubernetes objects whether or not they are ever published, and the compiler checks
 * that these fit the `run` event's manifests where that event is built.
 */
export type KubernetesManifest = { apiVersion: string; kind: string } & Record<string, unknown>;
