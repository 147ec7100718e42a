import { UnprocessableError } from '../../common/errors/domain-error';
import { FieldError } from '../../common/errors/problem';
import { KubernetesManifest } from '../../common/kubernetes-manifest';
import { ingressPathProblem } from '../../ingress/ingress-path';
import type { PodSecurityProfile } from '../../contract';
import { podSecurityViolations, podTemplatesOf } from './pod-security';

/** What one instance may render. */
export interface RenderPolicy {
  /** The namespace the instance renders into (what `helm template --namespace` was given). */
  namespace: string;
  /** Namespaces no tenant object may be in (RENDER_POLICY_SYSTEM_NAMESPACES). */
  systemNamespaces: ReadonlySet<string>;
  /**
   * Kinds beyond the namespaced application kinds that an admin allowed for the workload document:
   * `Kind` (any API group) or `group/Kind`.
   */
  allowedKinds: readonly string[];
  podSecurity: PodSecurityProfile;
}

/** One object breaking one rule. */
export interface RenderPolicyViolation {
  /** `Kind/namespace/name`, or `Kind/name` for an object without a namespace. */
  object: string;
  /** Where in the object, when one field is to blame. */
  field?: string;
  rule: string;
  reason: string;
}

/** Only so many violations are listed in an answer; the detail says how many there were. */
export const MAX_LISTED_VIOLATIONS = 50;
const MAX_NAME_SHOWN = 100;

/** The kinds a tenant's application renders, by API group ('' is the core group). */
const NAMESPACED_KINDS = kindSet({
  '': [
    'ConfigMap',
    'PersistentVolumeClaim',
    'Pod',
    'PodTemplate',
    'ReplicationController',
    'Secret',
    'Service',
    'ServiceAccount',
  ],
  apps: ['DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'],
  batch: ['CronJob', 'Job'],
  autoscaling: ['HorizontalPodAutoscaler'],
  policy: ['PodDisruptionBudget'],
  'networking.k8s.io': ['Ingress', 'NetworkPolicy'],
  'rbac.authorization.k8s.io': ['Role', 'RoleBinding'],
});

/** Cluster-scoped kinds of Kubernetes itself, named as such in refusals. */
const CLUSTER_SCOPED_KINDS = kindSet({
  '': ['ComponentStatus', 'Namespace', 'Node', 'PersistentVolume'],
  'admissionregistration.k8s.io': [
    'MutatingAdmissionPolicy',
    'MutatingAdmissionPolicyBinding',
    'MutatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
    'ValidatingWebhookConfiguration',
  ],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'apiregistration.k8s.io': ['APIService'],
  'certificates.k8s.io': ['CertificateSigningRequest', 'ClusterTrustBundle'],
  'flowcontrol.apiserver.k8s.io': ['FlowSchema', 'PriorityLevelConfiguration'],
  'networking.k8s.io': ['IngressClass', 'IPAddress', 'ServiceCIDR'],
  'node.k8s.io': ['RuntimeClass'],
  'rbac.authorization.k8s.io': ['ClusterRole', 'ClusterRoleBinding'],
  'resource.k8s.io': ['DeviceClass', 'ResourceSlice'],
  'scheduling.k8s.io': ['PriorityClass'],
  'storage.k8s.io': [
    'CSIDriver',
    'CSINode',
    'StorageClass',
    'VolumeAttachment',
    'VolumeAttributesClass',
  ],
});

/** ingress-nginx's `*-snippet` annotations paste raw nginx configuration (CVE-2021-25742). */
const SNIPPET_ANNOTATION = /(^|\/)[a-z0-9-]*snippet$/i;

type JsonObject = Record<string, unknown>;

function kindSet(byGroup: Record<string, string[]>): ReadonlySet<string> {
  return new Set(
    Object.entries(byGroup).flatMap(([group, kinds]) => kinds.map((kind) => `${group}/${kind}`)),
  );
}

function asObject(value: unknown): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : {};
}

function shorten(text: string): string {
  return text.length > MAX_NAME_SHOWN ? `${text.slice(0, MAX_NAME_SHOWN)}…` : text;
}

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → '' (core). */
export function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** Whether an admin's `Kind` or `group/Kind` entry covers this object's kind. */
export function isAllowedKind(allowed: readonly string[], group: string, kind: string): boolean {
  return allowed.some((entry) => entry === kind || entry === `${group}/${kind}`);
}

function namespaceOf(manifest: KubernetesManifest): unknown {
  return asObject(manifest.metadata).namespace;
}

/** `Kind/namespace/name` as operators write it; the index stands in for a missing name. */
export function objectRef(manifest: KubernetesManifest, index: number): string {
  const metadata = asObject(manifest.metadata);
  const name =
    typeof metadata.name === 'string' && metadata.name !== ''
      ? metadata.name
      : typeof metadata.generateName === 'string' && metadata.generateName !== ''
        ? `${metadata.generateName}*`
        : `(document ${index + 1})`;
  const namespace = metadata.namespace;
  const parts = [manifest.kind, ...(typeof namespace === 'string' && namespace ? [namespace] : [])];
  return shorten([...parts, name].join('/'));
}

type Finding = Omit<RenderPolicyViolation, 'object'>;

function shapeFindings(manifest: KubernetesManifest): Finding[] {
  if (manifest.metadata !== undefined && manifest.metadata !== asObject(manifest.metadata)) {
    return [{ field: 'metadata', rule: 'invalid-object', reason: 'metadata must be an object' }];
  }
  const namespace = namespaceOf(manifest);
  if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') {
    return [{ field: 'metadata.namespace', rule: 'invalid-object', reason: 'must be a string' }];
  }
  return [];
}

function kindFindings(manifest: KubernetesManifest, policy: RenderPolicy): Finding[] {
  const group = apiGroupOf(manifest.apiVersion);
  const key = `${group}/${manifest.kind}`;
  if (manifest.kind === 'List' || (manifest.kind.endsWith('List') && 'items' in manifest)) {
    return [
      {
        rule: 'list-kind',
        reason: `${manifest.kind} objects are not accepted: a chart renders each object as its own document`,
      },
    ];
  }
  if (NAMESPACED_KINDS.has(key) || isAllowedKind(policy.allowedKinds, group, manifest.kind)) {
    return [];
  }
  if (CLUSTER_SCOPED_KINDS.has(key)) {
    return [
      {
        rule: 'cluster-scoped-kind',
        reason: `${manifest.kind} (${manifest.apiVersion}) is cluster-scoped: only an admin can allow it for this workload document`,
      },
    ];
  }
  return [
    {
      rule: 'unknown-kind',
      reason: `${manifest.kind} (${manifest.apiVersion}) is not a namespaced kind the render policy knows: only an admin can allow it for this workload document`,
    },
  ];
}

function namespaceFindings(manifest: KubernetesManifest, policy: RenderPolicy): Finding[] {
  const findings: Finding[] = [];
  const namespace = namespaceOf(manifest);
  if (typeof namespace === 'string' && namespace !== '') {
    if (policy.systemNamespaces.has(namespace)) {
      findings.push({
        field: 'metadata.namespace',
        rule: 'system-namespace',
        reason: `"${shorten(namespace)}" is a system namespace`,
      });
    } else if (namespace !== policy.namespace) {
      findings.push({
        field: 'metadata.namespace',
        rule: 'foreign-namespace',
        reason: `"${shorten(namespace)}" is not the instance's namespace "${policy.namespace}"`,
      });
    }
  }
  const name = asObject(manifest.metadata).name;
  if (
    manifest.kind === 'Namespace' &&
    typeof name === 'string' &&
    policy.systemNamespaces.has(name)
  ) {
    findings.push({
      field: 'metadata.name',
      rule: 'system-namespace',
      reason: `a Namespace object would change the system namespace "${name}"`,
    });
  }
  return findings;
}

function podFindings(manifest: KubernetesManifest, policy: RenderPolicy): Finding[] {
  return podTemplatesOf(manifest).flatMap((template) =>
    podSecurityViolations(template, policy.podSecurity),
  );
}

function ingressFindings(manifest: KubernetesManifest): Finding[] {
  if (manifest.kind !== 'Ingress') return [];
  const findings: Finding[] = [];
  const annotations = asObject(asObject(manifest.metadata).annotations);
  for (const key of Object.keys(annotations).filter((name) => SNIPPET_ANNOTATION.test(name))) {
    findings.push({
      field: `metadata.annotations["${shorten(key)}"]`,
      rule: 'ingress-snippet',
      reason:
        'configuration snippets are not allowed: they paste raw configuration into the ingress controller',
    });
  }
  const rules = asObject(manifest.spec).rules;
  (Array.isArray(rules) ? rules : []).forEach((rule, ruleIndex) => {
    const paths = asObject(asObject(rule).http).paths;
    (Array.isArray(paths) ? paths : []).forEach((entry, pathIndex) => {
      const path = asObject(entry).path;
      if (path === undefined || path === null) return;
      const problem = typeof path === 'string' ? ingressPathProblem(path) : 'must be a string';
      if (problem) {
        findings.push({
          field: `spec.rules[${ruleIndex}].http.paths[${pathIndex}].path`,
          rule: 'ingress-path',
          reason: problem,
        });
      }
    });
  });
  return findings;
}

/** Every rule each object breaks, in the order of the objects. */
export function renderPolicyViolations(
  manifests: KubernetesManifest[],
  policy: RenderPolicy,
): RenderPolicyViolation[] {
  return manifests.flatMap((manifest, index) => {
    const shape = shapeFindings(manifest);
    const findings =
      shape.length > 0
        ? shape
        : [
            ...kindFindings(manifest, policy),
            ...namespaceFindings(manifest, policy),
            ...podFindings(manifest, policy),
            ...ingressFindings(manifest),
          ];
    const object = objectRef(manifest, index);
    return findings.map((finding) => ({ object, ...finding }));
  });
}

function toFieldError(violation: RenderPolicyViolation): FieldError {
  return {
    field: violation.field ? `${violation.object}.${violation.field}` : violation.object,
    reason: `${violation.rule}: ${violation.reason}`,
  };
}

/** 422 `render_policy_violation`: each listed error names the object, the field and the rule. */
export class RenderPolicyError extends UnprocessableError {
  constructor(violations: RenderPolicyViolation[]) {
    const [first] = violations;
    const more = violations.length > 1 ? ` (${violations.length} violations in all)` : '';
    super(
      'render_policy_violation',
      `the rendered objects break the render policy: ${first.object}: ${first.rule}: ${first.reason}${more}`,
      violations.slice(0, MAX_LISTED_VIOLATIONS).map(toFieldError),
    );
  }
}

/** Throws RenderPolicyError when any object breaks the policy. */
export function enforceRenderPolicy(manifests: KubernetesManifest[], policy: RenderPolicy): void {
  const violations = renderPolicyViolations(manifests, policy);
  if (violations.length > 0) throw new RenderPolicyError(violations);
}

/**
 * The instance's own namespace must not be a system one (checked before anything is rendered).
 * `requested` is what the client asked for; without one the instance renders into `policy.namespace`.
 */
export function checkInstanceNamespace(requested: string | undefined, policy: RenderPolicy): void {
  if (!policy.systemNamespaces.has(policy.namespace)) return;
  const reason =
    requested === undefined
      ? `system-namespace: without a namespace the instance would render into "${policy.namespace}", a system namespace; name one`
      : `system-namespace: "${policy.namespace}" is a system namespace`;
  throw new UnprocessableError(
    'render_policy_violation',
    `instances cannot be rendered into the system namespace "${policy.namespace}"`,
    [{ field: 'namespace', reason }],
  );
}
