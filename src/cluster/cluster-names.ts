/** A cluster name as the meta-Orchestrator reports it (status reports use the same rule). */
export const CLUSTER_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
export const CLUSTER_NAME_MESSAGE = '$property must be a cluster name';
export const MAX_CLUSTER_NAME = 253;

/** `1.28`, `v1.28.3`: what `helm template --kube-version` accepts, without pre-release parts. */
export const KUBERNETES_VERSION_MAX_LENGTH = 32;
export const KUBERNETES_VERSION = /^v?(0|[1-9]\d{0,3})\.(0|[1-9]\d{0,3})(\.(0|[1-9]\d{0,5}))?$/;

/**
 * An entry of `helm template --api-versions`: `v1`, `apps/v1`, `networking.k8s.io/v1` or with a
 * kind, `monitoring.coreos.com/v1/ServiceMonitor`.
 */
export const API_VERSION =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?v[0-9]+((alpha|beta)[0-9]+)?(\/[A-Z][A-Za-z0-9]{0,62})?$/;
export const MAX_API_VERSIONS = 1000;

/** `1.28` → `v1.28.0`: one spelling in the database, the render cache key and the response. */
export function normalizeKubernetesVersion(version: string): string {
  const [major, minor, patch = '0'] = version.replace(/^v/, '').split('.');
  return `v${major}.${minor}.${patch}`;
}
