import { HostPlaceholder } from '../config/host-template';

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
