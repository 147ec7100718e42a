/** The Service annotations of the NEMO ingress contract (seed README, architecture.md). */
export const EXPOSE_ANNOTATION = 'nemo.eu/ingress-expose';
export const SERVICE_PORT_ANNOTATION = 'nemo.eu/ingress-service-port';
export const PATH_ANNOTATION = 'nemo.eu/ingress-path';
export const PATH_TYPE_ANNOTATION = 'nemo.eu/ingress-path-type';

export const DEFAULT_PATH = '/';
export const PATH_TYPES = ['Exact', 'Prefix', 'ImplementationSpecific'] as const;
export type PathType = (typeof PATH_TYPES)[number];
export const DEFAULT_PATH_TYPE: PathType = 'ImplementationSpecific';

/** Labels and annotations the generated Ingress objects carry, so operators can trace them. */
export const MANAGED_BY = 'nemo-intent-api';
export const INSTANCE_ID_LABEL = 'nemo.eu/instance-id';
export const EXPOSED_SERVICE_ANNOTATION = 'nemo.eu/exposed-service';
