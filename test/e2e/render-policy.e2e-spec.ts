import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { KubernetesManifest } from '../../src/common/kubernetes-manifest';
import { EventSubscriber } from '../support/amqp';
import { resetDatabase, startApi } from '../support/app';
import { authHeader } from '../support/auth';
import {
  OnboardedWorkload,
  onboardShop,
  pushShopImages,
  resetOnboardingQueue,
} from '../integration/instance/onboarded-workload';
import { startWorker } from '../support/worker';
import { mergeOverrides } from '../support/config';

/**
 * The render policy on the real path: charts built here, onboarded by the real worker (helm lint,
 * helm template, mirroring), instantiated through the real api, which renders them with the real
 * helm and refuses what breaks the policy before anything is stored or any `run` event written.
 */

/** What the tenant's chart of the issue shipped: cluster-admin for its service account, and a kube-system object. */
const ESCALATING_TEMPLATES = {
  'templates/rbac.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ .Release.Name }}-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: default
    namespace: {{ .Release.Namespace }}
`,
  'templates/system.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-probe
  namespace: kube-system
data: {hello: world}
`,
};

/**
 * A chart whose values reach the pod spec (securityContext, hostNetwork), the namespace of its
 * ConfigMap, and — unquoted, the classic template mistake — the ConfigMap's data.
 */
const FLEXIBLE_TEMPLATES = {
  'templates/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
  namespace: {{ .Values.configNamespace | default .Release.Namespace }}
data:
  message: {{ .Values.message }}
`,
  'templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  namespace: {{ .Release.Namespace }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
    spec:
      {{- if .Values.hostNetwork }}
      hostNetwork: true
      {{- end }}
      {{- with .Values.podSecurityContext }}
      securityContext: {{- toYaml . | nindent 8 }}
      {{- end }}
      initContainers:
        - name: init
          image: {{ .Values.images.init | quote }}
          {{- with .Values.securityContext }}
          securityContext: {{- toYaml . | nindent 12 }}
          {{- end }}
      containers:
        - name: app
          image: {{ .Values.images.app | quote }}
          {{- with .Values.securityContext }}
          securityContext: {{- toYaml . | nindent 12 }}
          {{- end }}
`,
};

const CLUSTER_ROLE_TEMPLATES = {
  'templates/clusterrole.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ .Release.Name }}-node-reader
rules:
  - apiGroups: [""]
    resources: [nodes]
    verbs: [get, list]
`,
};

/** Instance values that close the ConfigMap and add a document of their own. */
const INJECTED_BINDING = `hi
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: injected
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: default
    namespace: edge`;

const RESTRICTED_VALUES = {
  podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
};

interface FieldError {
  field: string;
  reason: string;
}

describe('Render policy (real api + worker, helm, registry, broker)', () => {
  let app: NestExpressApplication;
  let restrictedApp: NestExpressApplication;
  let worker: INestApplication;
  let http: ReturnType<typeof request>;
  let restrictedHttp: ReturnType<typeof request>;
  let events: EventSubscriber;
  let writer: string;
  let admin: string;
  let escalating: OnboardedWorkload;
  let flexible: OnboardedWorkload;
  let rolesA: OnboardedWorkload;
  let rolesB: OnboardedWorkload;
  let rendered = 0;

  beforeAll(async () => {
    const env = { registry: { SOURCE_REGISTRY_TLS_VERIFY: 'false' } };
    app = await startApi(env);
    await resetDatabase(app);
    await resetOnboardingQueue(app);
    restrictedApp = await startApi(
      mergeOverrides(env, { render: { RENDER_POLICY_POD_SECURITY: 'restricted' } }),
    );
    worker = await startWorker({ config: env });
    http = request(app.getHttpServer());
    restrictedHttp = request(restrictedApp.getHttpServer());
    writer = await authHeader({ tenant: 'tenant-a', subject: 'alice' });
    admin = await authHeader({ tenant: 'platform', subject: 'root', roles: ['admin'] });
    events = await EventSubscriber.open();
    await events.purge('run');
    const images = await pushShopImages();
    [escalating, flexible, rolesA, rolesB] = await Promise.all([
      onboardShop(http, writer, {
        name: 'escalating',
        ingressSupport: false,
        images,
        files: ESCALATING_TEMPLATES,
      }),
      onboardShop(http, writer, {
        name: 'flexible',
        ingressSupport: true,
        images,
        files: FLEXIBLE_TEMPLATES,
      }),
      onboardShop(http, writer, {
        name: 'roles',
        ingressSupport: false,
        images,
        files: CLUSTER_ROLE_TEMPLATES,
      }),
      onboardShop(http, writer, {
        name: 'roles',
        ingressSupport: false,
        images,
        files: CLUSTER_ROLE_TEMPLATES,
      }),
    ]);
  });

  afterAll(async () => {
    await events?.close();
    await worker?.close();
    await restrictedApp?.close();
    await app?.close();
  });

  const create = (
    workload: OnboardedWorkload,
    body: Record<string, unknown>,
    client: ReturnType<typeof request> = http,
  ) =>
    client
      .post(`/api/v1/workloads/${workload.id}/instances`)
      .set('Authorization', writer)
      .send({ namespace: 'edge', ...body });

  async function runRows(): Promise<number> {
    const [{ count }] = (await app
      .get(DataSource)
      .query(
        `SELECT count(*)::int AS count FROM outbox_message WHERE routing_key = 'run'`,
      )) as Array<{
      count: number;
    }>;
    return count;
  }

  async function instancesOf(workload: OnboardedWorkload): Promise<number> {
    const { body } = await http
      .get('/api/v1/instances')
      .query({ workload_document_id: workload.id })
      .set('Authorization', writer)
      .expect(200);
    return body.meta.total as number;
  }

  /** A refusal stores nothing and writes no event: checked around every refused request. */
  async function refused(
    answer: Promise<request.Response>,
    workload: OnboardedWorkload,
  ): Promise<{ code: string; detail: string; errors: FieldError[] }> {
    const [rowsBefore, instancesBefore] = [await runRows(), await instancesOf(workload)];
    const response = await answer;
    expect(response.status).toBe(422);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await runRows()).toBe(rowsBefore);
    expect(await instancesOf(workload)).toBe(instancesBefore);
    return response.body;
  }

  async function accepted(answer: Promise<request.Response>): Promise<KubernetesManifest[]> {
    const response = await answer;
    expect(response.status).toBe(201);
    rendered += 1;
    return response.body.manifests as KubernetesManifest[];
  }

  const rulesOf = (errors: FieldError[]) => errors.map((error) => error.reason.split(':')[0]);

  describe('kinds and namespaces', () => {
    it('refuses the chart with a cluster-admin ClusterRoleBinding and a kube-system object: 422, no row, no run event', async () => {
      const problem = await refused(create(escalating, { release_name: 'esc' }), escalating);
      expect(problem.code).toBe('render_policy_violation');
      expect(problem.detail).toMatch(
        /^the rendered objects break the render policy: .*\(2 violations in all\)$/,
      );
      expect(problem.errors).toHaveLength(2);
      expect(problem.errors).toEqual(
        expect.arrayContaining([
          {
            field: 'ClusterRoleBinding/esc-admin',
            reason: expect.stringMatching(/^cluster-scoped-kind: ClusterRoleBinding .* admin/),
          },
          {
            field: 'ConfigMap/kube-system/esc-probe.metadata.namespace',
            reason: 'system-namespace: "kube-system" is a system namespace',
          },
        ]),
      );
      expect(await instancesOf(escalating)).toBe(0);
    });

    it('refuses a ClusterRoleBinding that instance values inject through an unquoted value', async () => {
      const problem = await refused(
        create(flexible, { release_name: 'inject', values: { message: INJECTED_BINDING } }),
        flexible,
      );
      expect(problem.code).toBe('render_policy_violation');
      expect(problem.errors).toEqual([
        {
          field: 'ClusterRoleBinding/injected',
          reason: expect.stringMatching(/^cluster-scoped-kind: /),
        },
      ]);
    });

    it('refuses an instance in kube-system before rendering, and objects values move there', async () => {
      const own = await refused(
        create(flexible, { release_name: 'sys', namespace: 'kube-system' }),
        flexible,
      );
      expect(own.errors).toEqual([
        { field: 'namespace', reason: 'system-namespace: "kube-system" is a system namespace' },
      ]);
      const moved = await refused(
        create(flexible, { release_name: 'moved', values: { configNamespace: 'kube-system' } }),
        flexible,
      );
      expect(moved.errors).toEqual([
        {
          field: 'ConfigMap/kube-system/moved-config.metadata.namespace',
          reason: 'system-namespace: "kube-system" is a system namespace',
        },
      ]);
      const foreign = await refused(
        create(flexible, { release_name: 'foreign', values: { configNamespace: 'tenant-b' } }),
        flexible,
      );
      expect(foreign.errors).toEqual([
        {
          field: 'ConfigMap/tenant-b/foreign-config.metadata.namespace',
          reason: 'foreign-namespace: "tenant-b" is not the instance\'s namespace "edge"',
        },
      ]);
    });
  });

  describe('Pod Security Standards', () => {
    it('refuses a privileged pod under baseline (the default), naming object, field and rule', async () => {
      const problem = await refused(
        create(flexible, {
          release_name: 'priv',
          values: { securityContext: { privileged: true }, hostNetwork: true },
        }),
        flexible,
      );
      expect(problem.errors).toEqual([
        {
          field: 'Deployment/edge/priv-web.spec.template.spec.hostNetwork',
          reason: expect.stringMatching(/^pod-security\/baseline\/hostNamespaces: /),
        },
        {
          field:
            'Deployment/edge/priv-web.spec.template.spec.initContainers[init].securityContext.privileged',
          reason: 'pod-security/baseline/privileged: privileged containers are not allowed',
        },
        {
          field:
            'Deployment/edge/priv-web.spec.template.spec.containers[app].securityContext.privileged',
          reason: 'pod-security/baseline/privileged: privileged containers are not allowed',
        },
      ]);
    });

    it('renders a chart that meets baseline; with RENDER_POLICY_POD_SECURITY=restricted the same request is refused', async () => {
      const manifests = await accepted(create(flexible, { release_name: 'plain' }));
      expect(manifests.map((manifest) => manifest.kind)).toEqual([
        'ConfigMap',
        'Service',
        'Deployment',
      ]);
      const problem = await refused(
        create(flexible, { release_name: 'plain-strict' }, restrictedHttp),
        flexible,
      );
      expect(new Set(rulesOf(problem.errors))).toEqual(
        new Set([
          'pod-security/restricted/allowPrivilegeEscalation',
          'pod-security/restricted/runAsNonRoot',
          'pod-security/restricted/seccompProfile_restricted',
          'pod-security/restricted/capabilities_restricted',
        ]),
      );
      await accepted(
        create(flexible, { release_name: 'hardened', values: RESTRICTED_VALUES }, restrictedHttp),
      );
    });

    it('lets an admin select restricted for one document', async () => {
      const set = await http
        .put(`/api/v1/workloads/${flexible.id}/render-policy`)
        .set('Authorization', admin)
        .send({ allowed_kinds: [], pod_security: 'restricted' })
        .expect(200);
      expect(set.body.render_policy).toEqual({ allowed_kinds: [], pod_security: 'restricted' });
      try {
        const problem = await refused(create(flexible, { release_name: 'per-doc' }), flexible);
        expect(rulesOf(problem.errors)).toContain('pod-security/restricted/runAsNonRoot');
        // Another document keeps the configured baseline: only its ClusterRole is refused.
        const other = await refused(create(rolesA, { release_name: 'baseline-still' }), rolesA);
        expect(rulesOf(other.errors)).toEqual(['cluster-scoped-kind']);
      } finally {
        await http
          .put(`/api/v1/workloads/${flexible.id}/render-policy`)
          .set('Authorization', admin)
          .send({ allowed_kinds: [] })
          .expect(200);
      }
      await accepted(create(flexible, { release_name: 'per-doc' }));
    });
  });

  describe('admin allowances', () => {
    it('refuses the ClusterRole until an admin allows it, for that document only', async () => {
      const before = await refused(create(rolesA, { release_name: 'reader' }), rolesA);
      expect(before.errors).toEqual([
        {
          field: 'ClusterRole/reader-node-reader',
          reason: expect.stringMatching(/^cluster-scoped-kind: /),
        },
      ]);
      const byWriter = await http
        .put(`/api/v1/workloads/${rolesA.id}/render-policy`)
        .set('Authorization', writer)
        .send({ allowed_kinds: ['ClusterRole'] })
        .expect(403);
      expect(byWriter.body.code).toBe('admin_required');
      const set = await http
        .put(`/api/v1/workloads/${rolesA.id}/render-policy`)
        .set('Authorization', admin)
        .send({ allowed_kinds: ['ClusterRole'] })
        .expect(200);
      expect(set.body.render_policy).toEqual({
        allowed_kinds: ['ClusterRole'],
        pod_security: null,
      });
      const shown = await http
        .get(`/api/v1/workloads/${rolesA.id}`)
        .set('Authorization', writer)
        .expect(200);
      expect(shown.body.render_policy).toEqual({
        allowed_kinds: ['ClusterRole'],
        pod_security: null,
      });

      const manifests = await accepted(create(rolesA, { release_name: 'reader' }));
      expect(manifests.map((manifest) => manifest.kind)).toContain('ClusterRole');
      const other = await refused(create(rolesB, { release_name: 'reader-b' }), rolesB);
      expect(rulesOf(other.errors)).toEqual(['cluster-scoped-kind']);
    });

    it('refuses malformed allowances with 400 naming the field', async () => {
      const bad = await http
        .put(`/api/v1/workloads/${rolesB.id}/render-policy`)
        .set('Authorization', admin)
        .send({ allowed_kinds: ['cluster role'], pod_security: 'lenient' })
        .expect(400);
      const fields = (bad.body.errors as FieldError[]).map((error) => error.field);
      expect(fields).toEqual(expect.arrayContaining(['allowed_kinds', 'pod_security']));
      await http
        .put('/api/v1/workloads/999999/render-policy')
        .set('Authorization', admin)
        .send({ allowed_kinds: [] })
        .expect(404);
    });
  });

  describe('ingress paths', () => {
    it.each([
      ['/x;}} location /admin { return 200; } #', 'ImplementationSpecific'],
      ['/a\nmore_set_headers "X-Pwned: 1";', 'Prefix'],
      ['/api(/|$)(.*)', 'ImplementationSpecific'],
      ['/a/../admin', 'Exact'],
    ])('refuses the path %p (%s) naming the Service and the annotation', async (path, type) => {
      const values = {
        services: {
          web: {
            annotations: {
              'nemo.eu/ingress-expose': 'true',
              'nemo.eu/ingress-path': path,
              'nemo.eu/ingress-path-type': type,
            },
          },
        },
      };
      const problem = await refused(
        create(flexible, { release_name: 'paths', values, ingress_enabled: true }),
        flexible,
      );
      expect(problem.code).toBe('ingress_annotation_invalid');
      expect(problem.errors).toEqual([
        {
          field: 'Service/paths-web.metadata.annotations["nemo.eu/ingress-path"]',
          reason: expect.any(String),
        },
      ]);
      expect(problem.detail).toContain('Service "paths-web", annotation nemo.eu/ingress-path');
    });

    it('exposes a safe path', async () => {
      const values = {
        services: {
          web: {
            annotations: { 'nemo.eu/ingress-expose': 'true', 'nemo.eu/ingress-path': '/shop/v1' },
          },
        },
      };
      const manifests = await accepted(
        create(flexible, { release_name: 'safe-path', values, ingress_enabled: true }),
      );
      const ingress = manifests.find((manifest) => manifest.kind === 'Ingress') as unknown as {
        spec: { rules: Array<{ http: { paths: Array<{ path: string }> } }> };
      };
      expect(ingress.spec.rules[0].http.paths[0].path).toBe('/shop/v1');
    });
  });

  it('published a run event for each rendered instance and none for a refusal', async () => {
    const received = await events.take('run', rendered);
    expect(received).toHaveLength(rendered);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await events.depth('run')).toBe(0);
    expect(await runRows()).toBe(rendered);
  });
});
