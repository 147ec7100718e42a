import type { PodSecurityProfile } from '../../contract';
import { podSecurityViolations, podTemplatesOf } from './pod-security';

type Json = Record<string, unknown>;

/** A Pod's template: a plain app container, plus whatever the case merges in. */
function pod(spec: Json = {}, annotations?: Json, container: Json = {}) {
  return {
    metadata: annotations ? { annotations } : {},
    spec: { containers: [{ name: 'app', image: 'app:1', ...container }], ...spec },
    metadataPath: 'metadata',
    specPath: 'spec',
  };
}

/** The restricted-compliant container and pod settings, to break one at a time. */
const RESTRICTED_CONTAINER = {
  securityContext: {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  },
};
const RESTRICTED_POD = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
};

function rules(template: ReturnType<typeof pod>, profile: PodSecurityProfile = 'baseline') {
  return podSecurityViolations(template, profile).map((violation) => violation.rule);
}

const withContext = (securityContext: Json) => pod({}, undefined, { securityContext });

describe('podSecurityViolations: baseline', () => {
  it('accepts the minimally specified pod', () => {
    expect(podSecurityViolations(pod(), 'baseline')).toEqual([]);
  });

  it.each([
    ['hostNetwork', { hostNetwork: true }],
    ['hostPID', { hostPID: true }],
    ['hostIPC', { hostIPC: true }],
    ['hostNetwork given as a string', { hostNetwork: 'true' }],
  ])('refuses %s', (_, spec) => {
    const violations = podSecurityViolations(pod(spec), 'baseline');
    expect(violations).toEqual([
      {
        field: `spec.${Object.keys(spec)[0]}`,
        rule: 'pod-security/baseline/hostNamespaces',
        reason: expect.stringContaining("shares the host's namespace"),
      },
    ]);
  });

  it('accepts host namespaces switched off explicitly', () => {
    expect(rules(pod({ hostNetwork: false, hostPID: null, hostIPC: false }))).toEqual([]);
  });

  it('refuses a privileged container, naming the container', () => {
    expect(podSecurityViolations(withContext({ privileged: true }), 'baseline')).toEqual([
      {
        field: 'spec.containers[app].securityContext.privileged',
        rule: 'pod-security/baseline/privileged',
        reason: 'privileged containers are not allowed',
      },
    ]);
    expect(rules(withContext({ privileged: false }))).toEqual([]);
  });

  it('checks init and ephemeral containers too', () => {
    const template = pod({
      initContainers: [{ name: 'init', securityContext: { privileged: true } }],
      ephemeralContainers: [{ securityContext: { privileged: true } }],
    });
    expect(podSecurityViolations(template, 'baseline').map((v) => v.field)).toEqual([
      'spec.initContainers[init].securityContext.privileged',
      'spec.ephemeralContainers[0].securityContext.privileged',
    ]);
  });

  it('allows the baseline capabilities and refuses any other', () => {
    expect(
      rules(withContext({ capabilities: { add: ['NET_BIND_SERVICE', 'CHOWN', 'KILL'] } })),
    ).toEqual([]);
    for (const add of [
      ['SYS_ADMIN'],
      ['NET_RAW', 'CHOWN'],
      ['CAP_SYS_ADMIN'],
      ['ALL'],
      'SYS_ADMIN',
    ]) {
      expect(rules(withContext({ capabilities: { add } }))).toEqual([
        'pod-security/baseline/capabilities_baseline',
      ]);
    }
  });

  it('refuses hostPath volumes, naming the volume', () => {
    const template = pod({
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'root', hostPath: { path: '/' } },
      ],
    });
    expect(podSecurityViolations(template, 'baseline')).toEqual([
      {
        field: 'spec.volumes[root].hostPath',
        rule: 'pod-security/baseline/hostPathVolumes',
        reason: 'hostPath volumes are not allowed',
      },
    ]);
  });

  it('refuses host ports but not container ports or hostPort 0', () => {
    const ports = (hostPort?: number) =>
      pod({}, undefined, {
        ports: [{ containerPort: 80, ...(hostPort === undefined ? {} : { hostPort }) }],
      });
    expect(rules(ports())).toEqual([]);
    expect(rules(ports(0))).toEqual([]);
    expect(podSecurityViolations(ports(80), 'baseline')).toEqual([
      {
        field: 'spec.containers[app].ports[0].hostPort',
        rule: 'pod-security/baseline/hostPorts',
        reason: 'hostPort 80 is not allowed',
      },
    ]);
  });

  it('allows RuntimeDefault and Localhost AppArmor profiles, refuses Unconfined', () => {
    expect(
      rules(pod({ securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } })),
    ).toEqual([]);
    expect(
      rules(withContext({ appArmorProfile: { type: 'Localhost', localhostProfile: 'x' } })),
    ).toEqual([]);
    expect(rules(pod({ securityContext: { appArmorProfile: { type: 'Unconfined' } } }))).toEqual([
      'pod-security/baseline/appArmorProfile',
    ]);
    expect(rules(withContext({ appArmorProfile: { type: 'Unconfined' } }))).toEqual([
      'pod-security/baseline/appArmorProfile',
    ]);
  });

  it('checks the AppArmor annotations of the pod metadata', () => {
    const key = 'container.apparmor.security.beta.kubernetes.io/app';
    expect(rules(pod({}, { [key]: 'runtime/default' }))).toEqual([]);
    expect(rules(pod({}, { [key]: 'localhost/my-profile' }))).toEqual([]);
    expect(podSecurityViolations(pod({}, { [key]: 'unconfined' }), 'baseline')).toEqual([
      {
        field: `metadata.annotations["${key}"]`,
        rule: 'pod-security/baseline/appArmorProfile',
        reason: expect.stringContaining('"unconfined"'),
      },
    ]);
  });

  it('allows the container SELinux types only, and no user or role', () => {
    expect(
      rules(withContext({ seLinuxOptions: { type: 'container_init_t', level: 's0:c1' } })),
    ).toEqual([]);
    expect(rules(pod({ securityContext: { seLinuxOptions: { type: 'spc_t' } } }))).toEqual([
      'pod-security/baseline/seLinuxOptions',
    ]);
    expect(
      podSecurityViolations(
        withContext({ seLinuxOptions: { user: 'root', role: 'r' } }),
        'baseline',
      ).map((v) => v.field),
    ).toEqual([
      'spec.containers[app].securityContext.seLinuxOptions.user',
      'spec.containers[app].securityContext.seLinuxOptions.role',
    ]);
  });

  it('allows only the Default procMount', () => {
    expect(rules(withContext({ procMount: 'Default' }))).toEqual([]);
    expect(rules(withContext({ procMount: 'Unmasked' }))).toEqual([
      'pod-security/baseline/procMount',
    ]);
  });

  it('refuses an Unconfined seccomp profile, in fields and in the old annotations', () => {
    expect(rules(pod({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }))).toEqual(
      [],
    );
    expect(rules(pod({ securityContext: { seccompProfile: { type: 'Unconfined' } } }))).toEqual([
      'pod-security/baseline/seccompProfile_baseline',
    ]);
    expect(rules(withContext({ seccompProfile: { type: 'Unconfined' } }))).toEqual([
      'pod-security/baseline/seccompProfile_baseline',
    ]);
    expect(rules(pod({}, { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' }))).toEqual([
      'pod-security/baseline/seccompProfile_baseline',
    ]);
    expect(
      rules(pod({}, { 'container.seccomp.security.alpha.kubernetes.io/app': 'unconfined' })),
    ).toEqual(['pod-security/baseline/seccompProfile_baseline']);
  });

  it('allows the safe sysctls only', () => {
    const sysctl = (name: string) => pod({ securityContext: { sysctls: [{ name, value: '1' }] } });
    expect(rules(sysctl('net.ipv4.ip_unprivileged_port_start'))).toEqual([]);
    expect(rules(sysctl('kernel.shm_rmid_forced'))).toEqual([]);
    expect(podSecurityViolations(sysctl('kernel.core_pattern'), 'baseline')).toEqual([
      {
        field: 'spec.securityContext.sysctls[0].name',
        rule: 'pod-security/baseline/sysctls',
        reason: 'sysctl "kernel.core_pattern" is not in the safe set',
      },
    ]);
  });

  it('refuses Windows HostProcess containers', () => {
    expect(rules(pod({ securityContext: { windowsOptions: { hostProcess: true } } }))).toEqual([
      'pod-security/baseline/windowsHostProcess',
    ]);
    expect(rules(withContext({ windowsOptions: { hostProcess: true } }))).toEqual([
      'pod-security/baseline/windowsHostProcess',
    ]);
  });

  it('refuses probes and lifecycle handlers that name a host', () => {
    expect(
      rules(pod({}, undefined, { livenessProbe: { httpGet: { path: '/', port: 80 } } })),
    ).toEqual([]);
    expect(
      rules(
        pod({}, undefined, { readinessProbe: { tcpSocket: { host: '10.0.0.1', port: 5432 } } }),
      ),
    ).toEqual(['pod-security/baseline/hostProbesAndHostLifecycle']);
    expect(
      podSecurityViolations(
        pod({}, undefined, {
          lifecycle: { preStop: { httpGet: { host: '169.254.169.254', port: 80 } } },
        }),
        'baseline',
      ).map((violation) => violation.field),
    ).toEqual(['spec.containers[app].lifecycle.preStop']);
  });

  it('reports every broken rule, not only the first', () => {
    const template = pod(
      { hostNetwork: true, volumes: [{ name: 'h', hostPath: { path: '/var/run' } }] },
      undefined,
      { securityContext: { privileged: true } },
    );
    expect(rules(template)).toEqual([
      'pod-security/baseline/hostNamespaces',
      'pod-security/baseline/privileged',
      'pod-security/baseline/hostPathVolumes',
    ]);
  });

  it('is not fooled by malformed specs (kubernetes would refuse them anyway)', () => {
    const malformed = {
      metadata: 'x',
      spec: { containers: 'app', volumes: {} },
      metadataPath: 'metadata',
      specPath: 'spec',
    };
    expect(podSecurityViolations(malformed, 'restricted')).toEqual([]);
  });

  it('checks nothing under privileged', () => {
    expect(podSecurityViolations(pod({ hostNetwork: true }), 'privileged')).toEqual([]);
  });
});

describe('podSecurityViolations: restricted', () => {
  const restricted = (spec: Json = {}, container: Json = {}) =>
    pod({ ...RESTRICTED_POD, ...spec }, undefined, {
      ...RESTRICTED_CONTAINER,
      ...container,
      securityContext: {
        ...RESTRICTED_CONTAINER.securityContext,
        ...(container.securityContext as Json | undefined),
      },
    });

  it('accepts a hardened pod', () => {
    expect(podSecurityViolations(restricted(), 'restricted')).toEqual([]);
  });

  it('refuses the minimal pod that passes baseline', () => {
    expect(rules(pod(), 'baseline')).toEqual([]);
    expect(rules(pod(), 'restricted')).toEqual([
      'pod-security/restricted/allowPrivilegeEscalation',
      'pod-security/restricted/runAsNonRoot',
      'pod-security/restricted/seccompProfile_restricted',
      'pod-security/restricted/capabilities_restricted',
    ]);
  });

  it('also enforces every baseline rule', () => {
    expect(rules(restricted({ hostPID: true }), 'restricted')).toEqual([
      'pod-security/baseline/hostNamespaces',
    ]);
  });

  it('allows only the core volume types', () => {
    const volumes = (volume: Json) => restricted({ volumes: [{ name: 'v', ...volume }] });
    for (const source of [
      'configMap',
      'secret',
      'emptyDir',
      'projected',
      'persistentVolumeClaim',
      'downwardAPI',
      'csi',
      'ephemeral',
    ]) {
      expect(rules(volumes({ [source]: {} }), 'restricted')).toEqual([]);
    }
    expect(
      podSecurityViolations(volumes({ nfs: { server: 'x', path: '/' } }), 'restricted'),
    ).toEqual([
      {
        field: 'spec.volumes[v]',
        rule: 'pod-security/restricted/restrictedVolumes',
        reason: expect.stringContaining('volume type nfs is not allowed'),
      },
    ]);
  });

  it('requires allowPrivilegeEscalation=false on every container', () => {
    expect(
      rules(restricted({}, { securityContext: { allowPrivilegeEscalation: true } }), 'restricted'),
    ).toEqual(['pod-security/restricted/allowPrivilegeEscalation']);
  });

  it('requires runAsNonRoot on the pod or each container, and no container opting out', () => {
    const noPodLevel = { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } };
    expect(
      rules(restricted(noPodLevel, { securityContext: { runAsNonRoot: true } }), 'restricted'),
    ).toEqual([]);
    expect(rules(restricted(noPodLevel), 'restricted')).toEqual([
      'pod-security/restricted/runAsNonRoot',
    ]);
    expect(
      rules(restricted({}, { securityContext: { runAsNonRoot: false } }), 'restricted'),
    ).toEqual(['pod-security/restricted/runAsNonRoot']);
  });

  it('refuses uid 0, unless the pod has its own user namespace', () => {
    expect(rules(restricted({}, { securityContext: { runAsUser: 0 } }), 'restricted')).toEqual([
      'pod-security/restricted/runAsUser',
    ]);
    expect(
      rules(
        restricted({ securityContext: { ...RESTRICTED_POD.securityContext, runAsUser: 0 } }),
        'restricted',
      ),
    ).toEqual(['pod-security/restricted/runAsUser']);
    expect(
      rules(
        restricted(
          { hostUsers: false },
          { securityContext: { runAsUser: 0, runAsNonRoot: false } },
        ),
        'restricted',
      ),
    ).toEqual([]);
    expect(rules(restricted({}, { securityContext: { runAsUser: 1000 } }), 'restricted')).toEqual(
      [],
    );
  });

  it('requires a RuntimeDefault or Localhost seccomp profile on the pod or each container', () => {
    const noPodProfile = { securityContext: { runAsNonRoot: true } };
    expect(rules(restricted(noPodProfile), 'restricted')).toEqual([
      'pod-security/restricted/seccompProfile_restricted',
    ]);
    expect(
      rules(
        restricted(noPodProfile, {
          securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'p' } },
        }),
        'restricted',
      ),
    ).toEqual([]);
  });

  it('requires dropping ALL capabilities and adding NET_BIND_SERVICE at most', () => {
    expect(
      rules(
        restricted({}, { securityContext: { capabilities: { drop: ['NET_RAW'] } } }),
        'restricted',
      ),
    ).toEqual(['pod-security/restricted/capabilities_restricted']);
    expect(
      rules(
        restricted(
          {},
          { securityContext: { capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } },
        ),
        'restricted',
      ),
    ).toEqual([]);
    expect(
      rules(
        restricted({}, { securityContext: { capabilities: { drop: ['ALL'], add: ['CHOWN'] } } }),
        'restricted',
      ),
    ).toEqual(['pod-security/restricted/capabilities_restricted']);
  });
});

describe('podTemplatesOf', () => {
  const spec = { containers: [{ name: 'c', image: 'i' }] };
  const template = { metadata: { labels: { a: 'b' } }, spec };

  it.each([
    ['Pod', { kind: 'Pod', metadata: {}, spec }, 'spec'],
    ['PodTemplate', { kind: 'PodTemplate', template }, 'template.spec'],
    ['Deployment', { kind: 'Deployment', spec: { template } }, 'spec.template.spec'],
    ['StatefulSet', { kind: 'StatefulSet', spec: { template } }, 'spec.template.spec'],
    ['DaemonSet', { kind: 'DaemonSet', spec: { template } }, 'spec.template.spec'],
    ['ReplicaSet', { kind: 'ReplicaSet', spec: { template } }, 'spec.template.spec'],
    [
      'ReplicationController',
      { kind: 'ReplicationController', spec: { template } },
      'spec.template.spec',
    ],
    ['Job', { kind: 'Job', spec: { template } }, 'spec.template.spec'],
    [
      'CronJob',
      { kind: 'CronJob', spec: { jobTemplate: { spec: { template } } } },
      'spec.jobTemplate.spec.template.spec',
    ],
    ['a custom workload kind', { kind: 'Rollout', spec: { template } }, 'spec.template.spec'],
  ])('finds the pod of a %s', (_, manifest, specPath) => {
    const [found, ...rest] = podTemplatesOf(manifest);
    expect(rest).toEqual([]);
    expect(found.specPath).toBe(specPath);
    expect(found.spec).toEqual(spec);
  });

  it('finds none in objects without pods', () => {
    expect(podTemplatesOf({ kind: 'ConfigMap', data: { template: 'x' } })).toEqual([]);
    expect(podTemplatesOf({ kind: 'Service', spec: { ports: [] } })).toEqual([]);
  });

  it('names fields of a Deployment from the object root', () => {
    const deployment = {
      kind: 'Deployment',
      spec: {
        template: {
          metadata: {
            annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' },
          },
          spec: { ...spec, hostNetwork: true },
        },
      },
    };
    const [found] = podTemplatesOf(deployment);
    expect(podSecurityViolations(found, 'baseline').map((violation) => violation.field)).toEqual([
      'spec.template.spec.hostNetwork',
      'spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/c"]',
    ]);
  });
});
