/**
 * The Kubernetes Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/)
 * as pure checks on one pod spec, the way the pod-security admission controller of a current
 * release reads them (check ids as there). `privileged` checks nothing, `baseline` blocks the known
 * privilege escalations, `restricted` adds the hardening rules. Pure: same input, same verdict.
 */

import type { PodSecurityProfile } from '../../contract';

/** One broken rule: where (relative to the object), which check, and why. */
export interface PodSecurityViolation {
  field: string;
  rule: string;
  reason: string;
}

/** A pod spec and its metadata inside an object, and where they sit in it (for messages). */
export interface PodTemplate {
  metadata: unknown;
  spec: unknown;
  metadataPath: string;
  specPath: string;
}

type JsonObject = Record<string, unknown>;

interface Container {
  /** `containers[app]`, `initContainers[1]` … relative to the pod spec. */
  label: string;
  securityContext: JsonObject;
  value: JsonObject;
}

interface Pod {
  spec: JsonObject;
  securityContext: JsonObject;
  annotations: JsonObject;
  containers: Container[];
}

type Check = (pod: Pod, report: Reporter) => void;
/** `field` is relative to the pod spec, or starts with `metadata.` for the pod's metadata. */
type Reporter = (field: string, reason: string) => void;

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ping_group_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set([
  '',
  'container_t',
  'container_init_t',
  'container_kvm_t',
  'container_engine_t',
]);
const RESTRICTED_VOLUME_SOURCES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const SECURE_PROFILE_TYPES = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const LIFECYCLE_HANDLERS = ['postStart', 'preStop'] as const;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObject(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Unset: what every "must be undefined/nil" rule accepts. */
function isUnset(value: unknown): boolean {
  return value === undefined || value === null;
}

/** Anything but unset or `false` turns a host switch on (a string "true" is no loophole). */
function isOn(value: unknown): boolean {
  return !isUnset(value) && value !== false;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** A list entry's name for messages (Kubernetes names are at most 63 characters), else its index. */
function nameOr(name: unknown, index: number): string {
  return typeof name === 'string' && name !== '' ? name.slice(0, 63) : `${index}`;
}

function containersOf(spec: JsonObject): Container[] {
  return CONTAINER_LISTS.flatMap((list) =>
    asList(spec[list]).map((entry, index) => {
      const value = asObject(entry);
      return {
        label: `${list}[${nameOr(value.name, index)}]`,
        securityContext: asObject(value.securityContext),
        value,
      };
    }),
  );
}

function podOf(template: PodTemplate): Pod {
  const spec = asObject(template.spec);
  return {
    spec,
    securityContext: asObject(spec.securityContext),
    annotations: asObject(asObject(template.metadata).annotations),
    containers: containersOf(spec),
  };
}

/** The pod's security context and each container's, with their fields. */
function securityContexts(pod: Pod): Array<{ field: string; context: JsonObject }> {
  return [
    { field: 'securityContext', context: pod.securityContext },
    ...pod.containers.map((container) => ({
      field: `${container.label}.securityContext`,
      context: container.securityContext,
    })),
  ];
}

/** Pods with their own user namespace (`hostUsers: false`) may run as uid 0 inside it. */
function usesUserNamespace(pod: Pod): boolean {
  return pod.spec.hostUsers === false;
}

const windowsHostProcess: Check = (pod, report) => {
  for (const { field, context } of securityContexts(pod)) {
    if (isOn(asObject(context.windowsOptions).hostProcess)) {
      report(`${field}.windowsOptions.hostProcess`, 'HostProcess containers are not allowed');
    }
  }
};

const hostNamespaces: Check = (pod, report) => {
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (isOn(pod.spec[field]))
      report(field, `${field} must not be set: it shares the host's namespace`);
  }
};

const privileged: Check = (pod, report) => {
  for (const container of pod.containers) {
    if (isOn(container.securityContext.privileged)) {
      report(
        `${container.label}.securityContext.privileged`,
        'privileged containers are not allowed',
      );
    }
  }
};

const capabilitiesBaseline: Check = (pod, report) => {
  for (const container of pod.containers) {
    const add = asObject(container.securityContext.capabilities).add;
    if (isUnset(add)) continue;
    const extra = Array.isArray(add)
      ? add.filter((cap) => !BASELINE_CAPABILITIES.has(String(cap)))
      : [add];
    if (extra.length > 0) {
      report(
        `${container.label}.securityContext.capabilities.add`,
        `capabilities ${extra.map(show).join(', ')} are beyond the baseline set (${[...BASELINE_CAPABILITIES].join(', ')})`,
      );
    }
  }
};

const hostPathVolumes: Check = (pod, report) => {
  asList(pod.spec.volumes).forEach((entry, index) => {
    const volume = asObject(entry);
    if (!isUnset(volume.hostPath)) {
      report(`volumes[${nameOr(volume.name, index)}].hostPath`, 'hostPath volumes are not allowed');
    }
  });
};

const hostPorts: Check = (pod, report) => {
  for (const container of pod.containers) {
    asList(container.value.ports).forEach((entry, index) => {
      const hostPort = asObject(entry).hostPort;
      if (!isUnset(hostPort) && hostPort !== 0) {
        report(
          `${container.label}.ports[${index}].hostPort`,
          `hostPort ${show(hostPort)} is not allowed`,
        );
      }
    });
  }
};

const appArmorProfile: Check = (pod, report) => {
  for (const { field, context } of securityContexts(pod)) {
    const type = asObject(context.appArmorProfile).type;
    if (!isUnset(type) && !SECURE_PROFILE_TYPES.has(String(type))) {
      report(
        `${field}.appArmorProfile.type`,
        `AppArmor profile ${show(type)} is not allowed (RuntimeDefault or Localhost)`,
      );
    }
  }
  for (const [key, value] of Object.entries(pod.annotations)) {
    if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
    const profile = String(value);
    if (profile === '' || profile === 'runtime/default' || profile.startsWith('localhost/'))
      continue;
    report(
      `metadata.annotations["${key}"]`,
      `AppArmor profile ${show(value)} is not allowed (runtime/default or localhost/*)`,
    );
  }
};

const seLinuxOptions: Check = (pod, report) => {
  for (const { field, context } of securityContexts(pod)) {
    const options = asObject(context.seLinuxOptions);
    if (!isUnset(options.type) && !SELINUX_TYPES.has(String(options.type))) {
      report(`${field}.seLinuxOptions.type`, `SELinux type ${show(options.type)} is not allowed`);
    }
    for (const key of ['user', 'role']) {
      if (!isUnset(options[key]) && options[key] !== '') {
        report(`${field}.seLinuxOptions.${key}`, `a custom SELinux ${key} is not allowed`);
      }
    }
  }
};

const procMount: Check = (pod, report) => {
  for (const container of pod.containers) {
    const mount = container.securityContext.procMount;
    if (!isUnset(mount) && mount !== 'Default') {
      report(
        `${container.label}.securityContext.procMount`,
        `procMount ${show(mount)} is not allowed (Default)`,
      );
    }
  }
};

const seccompProfileBaseline: Check = (pod, report) => {
  for (const { field, context } of securityContexts(pod)) {
    const type = asObject(context.seccompProfile).type;
    if (!isUnset(type) && !SECURE_PROFILE_TYPES.has(String(type))) {
      report(
        `${field}.seccompProfile.type`,
        `seccomp profile ${show(type)} is not allowed (RuntimeDefault or Localhost)`,
      );
    }
  }
  for (const [key, value] of Object.entries(pod.annotations)) {
    const seccomp =
      key === SECCOMP_POD_ANNOTATION || key.startsWith(SECCOMP_CONTAINER_ANNOTATION_PREFIX);
    if (seccomp && String(value) === 'unconfined') {
      report(`metadata.annotations["${key}"]`, 'an unconfined seccomp profile is not allowed');
    }
  }
};

const sysctls: Check = (pod, report) => {
  asList(pod.securityContext.sysctls).forEach((entry, index) => {
    const name = asObject(entry).name;
    if (!SAFE_SYSCTLS.has(String(name))) {
      report(
        `securityContext.sysctls[${index}].name`,
        `sysctl ${show(name)} is not in the safe set`,
      );
    }
  });
};

function handlerHosts(handler: unknown): unknown[] {
  const value = asObject(handler);
  return [asObject(value.httpGet).host, asObject(value.tcpSocket).host].filter(
    (host) => !isUnset(host) && host !== '',
  );
}

const hostProbesAndHostLifecycle: Check = (pod, report) => {
  for (const container of pod.containers) {
    const lifecycle = asObject(container.value.lifecycle);
    const handlers = [
      ...PROBES.map((probe) => ({ field: probe, handler: container.value[probe] })),
      ...LIFECYCLE_HANDLERS.map((hook) => ({
        field: `lifecycle.${hook}`,
        handler: lifecycle[hook],
      })),
    ];
    for (const { field, handler } of handlers) {
      const hosts = handlerHosts(handler);
      if (hosts.length > 0) {
        report(
          `${container.label}.${field}`,
          `probes and lifecycle handlers must not name a host (${hosts.map(show).join(', ')})`,
        );
      }
    }
  }
};

const restrictedVolumes: Check = (pod, report) => {
  asList(pod.spec.volumes).forEach((entry, index) => {
    const volume = asObject(entry);
    const sources = Object.keys(volume).filter((key) => key !== 'name' && !isUnset(volume[key]));
    const refused = sources.filter((source) => !RESTRICTED_VOLUME_SOURCES.has(source));
    if (refused.length > 0) {
      report(
        `volumes[${nameOr(volume.name, index)}]`,
        `volume type ${refused.join(', ')} is not allowed (${[...RESTRICTED_VOLUME_SOURCES].join(', ')})`,
      );
    }
  });
};

const allowPrivilegeEscalation: Check = (pod, report) => {
  for (const container of pod.containers) {
    if (container.securityContext.allowPrivilegeEscalation !== false) {
      report(`${container.label}.securityContext.allowPrivilegeEscalation`, 'must be set to false');
    }
  }
};

const runAsNonRoot: Check = (pod, report) => {
  if (usesUserNamespace(pod)) return;
  const podLevel = pod.securityContext.runAsNonRoot;
  if (!isUnset(podLevel) && podLevel !== true)
    report('securityContext.runAsNonRoot', 'must not be false');
  for (const container of pod.containers) {
    const own = container.securityContext.runAsNonRoot;
    if (isUnset(own) ? podLevel !== true : own !== true) {
      report(
        `${container.label}.securityContext.runAsNonRoot`,
        'the pod or the container must set runAsNonRoot=true',
      );
    }
  }
};

const runAsUser: Check = (pod, report) => {
  if (usesUserNamespace(pod)) return;
  if (pod.securityContext.runAsUser === 0)
    report('securityContext.runAsUser', 'must not be 0 (root)');
  for (const container of pod.containers) {
    if (container.securityContext.runAsUser === 0) {
      report(`${container.label}.securityContext.runAsUser`, 'must not be 0 (root)');
    }
  }
};

const seccompProfileRestricted: Check = (pod, report) => {
  const podType = asObject(pod.securityContext.seccompProfile).type;
  const podSecure = SECURE_PROFILE_TYPES.has(String(podType));
  for (const container of pod.containers) {
    const own = asObject(container.securityContext.seccompProfile).type;
    if (isUnset(own) ? podSecure : SECURE_PROFILE_TYPES.has(String(own))) continue;
    report(
      `${container.label}.securityContext.seccompProfile.type`,
      'the pod or the container must set seccompProfile.type to RuntimeDefault or Localhost',
    );
  }
};

const capabilitiesRestricted: Check = (pod, report) => {
  for (const container of pod.containers) {
    const capabilities = asObject(container.securityContext.capabilities);
    const drop = asList(capabilities.drop).map(String);
    if (!drop.includes('ALL')) {
      report(`${container.label}.securityContext.capabilities.drop`, 'must include ALL');
    }
    const add = capabilities.add;
    const extra = isUnset(add)
      ? []
      : Array.isArray(add)
        ? add.filter((cap) => cap !== 'NET_BIND_SERVICE')
        : [add];
    if (extra.length > 0) {
      report(
        `${container.label}.securityContext.capabilities.add`,
        `only NET_BIND_SERVICE may be added, not ${extra.map(show).join(', ')}`,
      );
    }
  }
};

const BASELINE_CHECKS: Record<string, Check> = {
  windowsHostProcess,
  hostNamespaces,
  privileged,
  capabilities_baseline: capabilitiesBaseline,
  hostPathVolumes,
  hostPorts,
  appArmorProfile,
  seLinuxOptions,
  procMount,
  seccompProfile_baseline: seccompProfileBaseline,
  sysctls,
  hostProbesAndHostLifecycle,
};

const RESTRICTED_CHECKS: Record<string, Check> = {
  restrictedVolumes,
  allowPrivilegeEscalation,
  runAsNonRoot,
  runAsUser,
  seccompProfile_restricted: seccompProfileRestricted,
  capabilities_restricted: capabilitiesRestricted,
};

function checksOf(profile: PodSecurityProfile): Array<[string, Check]> {
  const named = (level: string, checks: Record<string, Check>) =>
    Object.entries(checks).map(([id, check]): [string, Check] => [
      `pod-security/${level}/${id}`,
      check,
    ]);
  if (profile === 'privileged') return [];
  const baseline = named('baseline', BASELINE_CHECKS);
  return profile === 'baseline'
    ? baseline
    : [...baseline, ...named('restricted', RESTRICTED_CHECKS)];
}

/** Every rule of `profile` that the pod breaks; fields are relative to the object holding the pod. */
export function podSecurityViolations(
  template: PodTemplate,
  profile: PodSecurityProfile,
): PodSecurityViolation[] {
  const pod = podOf(template);
  const violations: PodSecurityViolation[] = [];
  for (const [rule, check] of checksOf(profile)) {
    check(pod, (field, reason) => {
      const absolute = field.startsWith('metadata.')
        ? `${template.metadataPath}${field.slice('metadata'.length)}`
        : `${template.specPath}.${field}`;
      violations.push({ field: absolute, rule, reason });
    });
  }
  return violations;
}

/**
 * Where pods hide in an object: a Pod's spec, a PodTemplate's template, the pod template of
 * Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers and Jobs
 * (`spec.template`), and a CronJob's (`spec.jobTemplate.spec.template`). Looked up by shape, not
 * by kind, so a custom workload kind with a pod template is checked too.
 */
export function podTemplatesOf(manifest: { kind: string } & JsonObject): PodTemplate[] {
  if (manifest.kind === 'Pod') {
    return [
      {
        metadata: manifest.metadata,
        spec: manifest.spec,
        metadataPath: 'metadata',
        specPath: 'spec',
      },
    ];
  }
  const spec = asObject(manifest.spec);
  const candidates = [
    { path: 'template', value: manifest.template },
    { path: 'spec.template', value: spec.template },
    {
      path: 'spec.jobTemplate.spec.template',
      value: asObject(asObject(spec.jobTemplate).spec).template,
    },
  ];
  return candidates
    .filter(({ value }) => isObject(value) && isObject(value.spec))
    .map(({ path, value }) => {
      const template = asObject(value);
      return {
        metadata: template.metadata,
        spec: template.spec,
        metadataPath: `${path}.metadata`,
        specPath: `${path}.spec`,
      };
    });
}
