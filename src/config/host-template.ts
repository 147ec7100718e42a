/** The placeholders INGRESS_HOST_TEMPLATE may use. */
export const HOST_PLACEHOLDERS = [
  'release',
  'instance_short',
  'instance_id',
  'service',
  'namespace',
  'INGRESS_DOMAIN',
] as const;
export type HostPlaceholder = (typeof HOST_PLACEHOLDERS)[number];

export const DEFAULT_HOST_TEMPLATE = '{release}.{instance_short}.{INGRESS_DOMAIN}';

/** Literal host characters and known placeholders only: checked once, when the config loads (IngressConfig). */
export const HOST_TEMPLATE_PATTERN = new RegExp(
  `^([a-z0-9.-]|\\{(${HOST_PLACEHOLDERS.join('|')})\\})+$`,
);
