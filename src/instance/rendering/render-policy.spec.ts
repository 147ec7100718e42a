import { DomainError } from '../../common/errors/domain-error';
import { KubernetesManifest } from '../../common/kubernetes-manifest';
import {
  apiGroupOf,
  checkInstanceNamespace,
  enforceRenderPolicy,
  isAllowedKind,
  MAX_LISTED_VIOLATIONS,
  objectRef,
  RenderPolicy,
  RenderPolicyError,
  renderPolicyViolations,
} from './render-policy';

const POLICY: RenderPolicy = {
  namespace: 'edge',
  systemNamespaces: new Set(['kube-system', 'kube-public', 'kube-node-lease']),
  allowedKinds: [],
  podSecurity: 'baseline',
};

function object(
  apiVersion: string,
  kind: string,
  name: string,
  extra: Record<string, unknown> = {},
  namespace?: string,
): KubernetesManifest {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...extra };
}

const CLUSTER_ADMIN_BINDING = object('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'pwn', {
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'edge' }],
});

function deployment(podSpec: Record<string, unknown>, namespace?: string): KubernetesManifest {
  return object(
    'apps/v1',
    'Deployment',
    'web',
    {
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: podSpec },
      },
    },
    namespace,
  );
}

const APP = { name: 'app', image: 'registry/app:1' };

function rulesOf(manifests: KubernetesManifest[], policy: Partial<RenderPolicy> = {}): string[] {
  return renderPolicyViolations(manifests, { ...POLICY, ...policy }).map(
    (violation) => `${violation.object} ${violation.rule}`,
  );
}

describe('renderPolicyViolations: kinds', () => {
  it('accepts the namespaced application kinds', () => {
    const manifests = [
      object('v1', 'ConfigMap', 'c'),
      object('v1', 'Secret', 's'),
      object('v1', 'Service', 'svc'),
      object('v1', 'ServiceAccount', 'sa'),
      object('v1', 'PersistentVolumeClaim', 'pvc'),
      deployment({ containers: [APP] }),
      object('apps/v1', 'StatefulSet', 'ss'),
      object('batch/v1', 'CronJob', 'cj'),
      object('autoscaling/v2', 'HorizontalPodAutoscaler', 'hpa'),
      object('policy/v1', 'PodDisruptionBudget', 'pdb'),
      object('networking.k8s.io/v1', 'NetworkPolicy', 'np'),
      object('networking.k8s.io/v1', 'Ingress', 'ing'),
      object('rbac.authorization.k8s.io/v1', 'Role', 'r'),
      object('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rb'),
    ];
    expect(renderPolicyViolations(manifests, POLICY)).toEqual([]);
  });

  it('refuses a ClusterRoleBinding to cluster-admin, naming the object and the rule', () => {
    expect(renderPolicyViolations([CLUSTER_ADMIN_BINDING], POLICY)).toEqual([
      {
        object: 'ClusterRoleBinding/pwn',
        rule: 'cluster-scoped-kind',
        reason:
          'ClusterRoleBinding (rbac.authorization.k8s.io/v1) is cluster-scoped: only an admin can allow it for this workload document',
      },
    ]);
  });

  it.each([
    ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
    ['v1', 'Namespace'],
    ['v1', 'PersistentVolume'],
    ['v1', 'Node'],
    ['apiextensions.k8s.io/v1', 'CustomResourceDefinition'],
    ['admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration'],
    ['admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration'],
    ['admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy'],
    ['admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding'],
    ['storage.k8s.io/v1', 'StorageClass'],
    ['storage.k8s.io/v1', 'CSIDriver'],
    ['scheduling.k8s.io/v1', 'PriorityClass'],
    ['node.k8s.io/v1', 'RuntimeClass'],
    ['networking.k8s.io/v1', 'IngressClass'],
    ['apiregistration.k8s.io/v1', 'APIService'],
    ['certificates.k8s.io/v1', 'CertificateSigningRequest'],
  ])('refuses the cluster-scoped %s %s', (apiVersion, kind) => {
    expect(rulesOf([object(apiVersion, kind, 'x')])).toEqual([`${kind}/x cluster-scoped-kind`]);
  });

  it.each([
    ['a custom resource', 'monitoring.coreos.com/v1', 'ServiceMonitor'],
    ['a known kind in a foreign group', 'evil.example.com/v1', 'Deployment'],
    ['an old group of a known kind', 'extensions/v1beta1', 'Deployment'],
    ['a core kind that is not an application kind', 'v1', 'Endpoints'],
    ['a quota that would replace the admin-set one', 'v1', 'ResourceQuota'],
  ])('refuses %s unless allowed (unknown-kind)', (_, apiVersion, kind) => {
    expect(rulesOf([object(apiVersion, kind, 'x')])).toEqual([`${kind}/x unknown-kind`]);
  });

  it('refuses List objects, which would smuggle items past the checks, even when allowed', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [CLUSTER_ADMIN_BINDING] };
    expect(rulesOf([list])).toEqual(['List/(document 1) list-kind']);
    expect(rulesOf([list], { allowedKinds: ['List'] })).toEqual(['List/(document 1) list-kind']);
    expect(rulesOf([{ apiVersion: 'v1', kind: 'SecretList', items: [] }])).toEqual([
      'SecretList/(document 1) list-kind',
    ]);
  });

  it('lets an admin allowance through: Kind in any group, group/Kind in that group only', () => {
    const clusterRole = object('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader');
    const monitor = object('monitoring.coreos.com/v1', 'ServiceMonitor', 'm');
    expect(rulesOf([clusterRole], { allowedKinds: ['ClusterRole'] })).toEqual([]);
    expect(
      rulesOf([clusterRole], { allowedKinds: ['rbac.authorization.k8s.io/ClusterRole'] }),
    ).toEqual([]);
    expect(rulesOf([clusterRole], { allowedKinds: ['other.io/ClusterRole'] })).toEqual([
      'ClusterRole/reader cluster-scoped-kind',
    ]);
    expect(rulesOf([monitor], { allowedKinds: ['monitoring.coreos.com/ServiceMonitor'] })).toEqual(
      [],
    );
    // Allowing one kind allows no other.
    expect(
      rulesOf([clusterRole, CLUSTER_ADMIN_BINDING], { allowedKinds: ['ClusterRole'] }),
    ).toEqual(['ClusterRoleBinding/pwn cluster-scoped-kind']);
  });
});

describe('renderPolicyViolations: namespaces', () => {
  it('accepts objects without a namespace and in the instance namespace', () => {
    expect(
      rulesOf([object('v1', 'ConfigMap', 'a'), object('v1', 'ConfigMap', 'b', {}, 'edge')]),
    ).toEqual([]);
  });

  it.each(['kube-system', 'kube-public', 'kube-node-lease'])(
    'refuses objects in the system namespace %s',
    (namespace) => {
      const violations = renderPolicyViolations(
        [object('v1', 'ConfigMap', 'c', {}, namespace)],
        POLICY,
      );
      expect(violations).toEqual([
        {
          object: `ConfigMap/${namespace}/c`,
          field: 'metadata.namespace',
          rule: 'system-namespace',
          reason: `"${namespace}" is a system namespace`,
        },
      ]);
    },
  );

  it("refuses objects in another namespace than the instance's", () => {
    expect(renderPolicyViolations([object('v1', 'Secret', 's', {}, 'tenant-b')], POLICY)).toEqual([
      {
        object: 'Secret/tenant-b/s',
        field: 'metadata.namespace',
        rule: 'foreign-namespace',
        reason: '"tenant-b" is not the instance\'s namespace "edge"',
      },
    ]);
  });

  it('uses the configured system namespaces', () => {
    const policy = { systemNamespaces: new Set(['default', 'kube-system']), namespace: 'edge' };
    expect(rulesOf([object('v1', 'ConfigMap', 'c', {}, 'default')], policy)).toEqual([
      'ConfigMap/default/c system-namespace',
    ]);
  });

  it('refuses a Namespace object naming a system namespace, even when Namespace is allowed', () => {
    expect(
      rulesOf([object('v1', 'Namespace', 'kube-system')], { allowedKinds: ['Namespace'] }),
    ).toEqual(['Namespace/kube-system system-namespace']);
    expect(rulesOf([object('v1', 'Namespace', 'team-x')], { allowedKinds: ['Namespace'] })).toEqual(
      [],
    );
  });

  it('refuses a malformed metadata or namespace instead of guessing', () => {
    expect(rulesOf([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: 'kube-system' }])).toEqual([
      'ConfigMap/(document 1) invalid-object',
    ]);
    expect(
      rulesOf([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 7 } }]),
    ).toEqual(['ConfigMap/c invalid-object']);
  });
});

describe('renderPolicyViolations: pods', () => {
  it('checks pod templates against the baseline profile', () => {
    const violations = renderPolicyViolations(
      [
        deployment(
          { hostNetwork: true, containers: [{ ...APP, securityContext: { privileged: true } }] },
          'edge',
        ),
      ],
      POLICY,
    );
    expect(violations).toEqual([
      {
        object: 'Deployment/edge/web',
        field: 'spec.template.spec.hostNetwork',
        rule: 'pod-security/baseline/hostNamespaces',
        reason: expect.any(String),
      },
      {
        object: 'Deployment/edge/web',
        field: 'spec.template.spec.containers[app].securityContext.privileged',
        rule: 'pod-security/baseline/privileged',
        reason: 'privileged containers are not allowed',
      },
    ]);
  });

  it('applies the selected profile', () => {
    const plain = deployment({ containers: [APP] });
    expect(rulesOf([plain])).toEqual([]);
    expect(rulesOf([plain], { podSecurity: 'restricted' })).toContain(
      'Deployment/web pod-security/restricted/runAsNonRoot',
    );
    const privileged = deployment({
      containers: [{ ...APP, securityContext: { privileged: true } }],
    });
    expect(rulesOf([privileged], { podSecurity: 'privileged' })).toEqual([]);
  });

  it('checks the pods of allowed custom kinds too', () => {
    const rollout = object('argoproj.io/v1alpha1', 'Rollout', 'r', {
      spec: { template: { spec: { hostPID: true, containers: [APP] } } },
    });
    expect(rulesOf([rollout], { allowedKinds: ['argoproj.io/Rollout'] })).toEqual([
      'Rollout/r pod-security/baseline/hostNamespaces',
    ]);
  });
});

describe('renderPolicyViolations: Ingress objects a chart renders itself', () => {
  const ingress = (path: unknown, annotations: Record<string, string> = {}) =>
    object('networking.k8s.io/v1', 'Ingress', 'ing', {
      metadata: { name: 'ing', annotations },
      spec: { rules: [{ host: 'a.example', http: { paths: [{ path, pathType: 'Prefix' }] } }] },
    });

  it('accepts a safe path', () => {
    expect(rulesOf([ingress('/api')])).toEqual([]);
  });

  it('refuses a hostile path', () => {
    expect(renderPolicyViolations([ingress('/x;}} location /admin {} #')], POLICY)).toEqual([
      {
        object: 'Ingress/ing',
        field: 'spec.rules[0].http.paths[0].path',
        rule: 'ingress-path',
        reason: expect.stringContaining('may only contain'),
      },
    ]);
    expect(rulesOf([ingress(42)])).toEqual(['Ingress/ing ingress-path']);
  });

  it('refuses ingress-nginx configuration snippets', () => {
    expect(
      rulesOf([
        ingress('/', {
          'nginx.ingress.kubernetes.io/configuration-snippet': 'more_set_headers x;',
        }),
      ]),
    ).toEqual(['Ingress/ing ingress-snippet']);
    expect(
      rulesOf([ingress('/', { 'nginx.ingress.kubernetes.io/server-snippet': 'location / {}' })]),
    ).toEqual(['Ingress/ing ingress-snippet']);
    expect(rulesOf([ingress('/', { 'nginx.ingress.kubernetes.io/rewrite-target': '/' })])).toEqual(
      [],
    );
  });
});

describe('objectRef, apiGroupOf, isAllowedKind', () => {
  it('names objects Kind/namespace/name, with stand-ins for a missing name', () => {
    expect(objectRef(object('v1', 'ConfigMap', 'c', {}, 'edge'), 0)).toBe('ConfigMap/edge/c');
    expect(objectRef(object('v1', 'ConfigMap', 'c'), 0)).toBe('ConfigMap/c');
    expect(
      objectRef({ apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'job-' } }, 0),
    ).toBe('Pod/job-*');
    expect(objectRef({ apiVersion: 'v1', kind: 'Pod' }, 4)).toBe('Pod/(document 5)');
    expect(objectRef(object('v1', 'ConfigMap', 'x'.repeat(5000)), 0).length).toBeLessThan(120);
  });

  it('reads the API group of an apiVersion', () => {
    expect(apiGroupOf('v1')).toBe('');
    expect(apiGroupOf('apps/v1')).toBe('apps');
    expect(apiGroupOf('rbac.authorization.k8s.io/v1')).toBe('rbac.authorization.k8s.io');
  });

  it('matches allowance entries', () => {
    expect(isAllowedKind(['ClusterRole'], 'rbac.authorization.k8s.io', 'ClusterRole')).toBe(true);
    expect(isAllowedKind(['a.io/Widget'], 'a.io', 'Widget')).toBe(true);
    expect(isAllowedKind(['a.io/Widget'], 'b.io', 'Widget')).toBe(false);
    expect(isAllowedKind(['Widget'], 'a.io', 'Gadget')).toBe(false);
    expect(isAllowedKind([], '', 'Namespace')).toBe(false);
  });
});

describe('enforceRenderPolicy', () => {
  it('passes a compliant render', () => {
    expect(() => enforceRenderPolicy([deployment({ containers: [APP] })], POLICY)).not.toThrow();
  });

  it('throws 422 render_policy_violation listing each object, field and rule', () => {
    let caught: unknown;
    try {
      enforceRenderPolicy(
        [CLUSTER_ADMIN_BINDING, object('v1', 'ConfigMap', 'c', {}, 'kube-system')],
        POLICY,
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RenderPolicyError);
    expect(caught).toBeInstanceOf(DomainError);
    const error = caught as RenderPolicyError;
    expect(error.status).toBe(422);
    expect(error.code).toBe('render_policy_violation');
    expect(error.message).toMatch(
      /^the rendered objects break the render policy: ClusterRoleBinding\/pwn: cluster-scoped-kind: .* \(2 violations in all\)$/,
    );
    expect(error.errors).toEqual([
      { field: 'ClusterRoleBinding/pwn', reason: expect.stringMatching(/^cluster-scoped-kind: /) },
      {
        field: 'ConfigMap/kube-system/c.metadata.namespace',
        reason: 'system-namespace: "kube-system" is a system namespace',
      },
    ]);
  });

  it(`lists at most ${MAX_LISTED_VIOLATIONS} violations and counts all of them`, () => {
    const many = Array.from({ length: 500 }, (_, index) =>
      object('rbac.authorization.k8s.io/v1', 'ClusterRole', `r${index}`),
    );
    const error = (() => {
      try {
        enforceRenderPolicy(many, POLICY);
      } catch (caught) {
        return caught as RenderPolicyError;
      }
      throw new Error('not refused');
    })();
    expect(error.errors).toHaveLength(MAX_LISTED_VIOLATIONS);
    expect(error.message).toContain('(500 violations in all)');
  });
});

describe('checkInstanceNamespace', () => {
  it('accepts an ordinary namespace', () => {
    expect(() => checkInstanceNamespace('edge', POLICY)).not.toThrow();
  });

  it('refuses an instance in a system namespace with 422 on the namespace field', () => {
    expect(() =>
      checkInstanceNamespace('kube-system', { ...POLICY, namespace: 'kube-system' }),
    ).toThrow(
      expect.objectContaining({
        status: 422,
        code: 'render_policy_violation',
        errors: [
          { field: 'namespace', reason: 'system-namespace: "kube-system" is a system namespace' },
        ],
      }),
    );
  });

  it('asks for a namespace when the default one is a system namespace', () => {
    const policy = { ...POLICY, namespace: 'default', systemNamespaces: new Set(['default']) };
    expect(() => checkInstanceNamespace(undefined, policy)).toThrow(
      expect.objectContaining({
        errors: [{ field: 'namespace', reason: expect.stringContaining('name one') }],
      }),
    );
  });
});
