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

/** Literal host characters and known placeholders only: checked once, when the config loads. */
export const HOST_TEMPLATE_PATTERN = new RegExp(
  `^([a-z0-9.-]|\\{(${HOST_PLACEHOLDERS.join('|')})\\})+$`,
);

/** A DNS-1123 subdomain of labels of at most 63 characters, as Kubernetes wants `spec.rules[].host`. */
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function isValidHost(host: string): boolean {
  return host.length <= 253 && host.split('.').every((label) => LABEL.test(label));
}

/** The first block of the instance UUID: short enough for a DNS label, unique enough per release. */
export function instanceShort(instanceId: string): string {
  return instanceId.split('-')[0].toLowerCase();
}

export function renderHostTemplate(
  template: string,
  values: Record<HostPlaceholder, string>,
): string {
  return template.replace(/\{([A-Za-z_]+)\}/g, (whole, name: string) =>
    name in values ? values[name as HostPlaceholder] : whole,
  );
}
