/**
 * Deployment artefacts: the Helm chart in helm/nemo-intent-api must lint cleanly and render the
 * api/worker Deployments, Service, HPA, Ingress and migration hook the README promises; the
 * docker-compose.yml must parse and declare the full stack.
 *
 * Uses the real helm binary (HELM_BIN from .local/env, else .local/bin/helm installed by
 * scripts/services.sh). No cluster is needed: `helm template` renders offline.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { load, loadAll } from 'js-yaml';

const run = promisify(execFile);

const ROOT = resolve(__dirname, '..', '..', '..');
const CHART = join(ROOT, 'helm', 'nemo-intent-api');
const HELM = process.env.HELM_BIN || join(ROOT, '.local', 'bin', 'helm');

interface Probe {
  httpGet?: { path?: string; port?: number | string };
}

interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: {
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
  };
  volumeMounts?: { name: string; mountPath: string }[];
}

interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean };
  containers: Container[];
  volumes?: { name: string; emptyDir?: object }[];
}

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // Each test narrows the spec to the shape of the kind it checks.
  spec?: Record<string, unknown>;
}

interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
}

interface ServiceSpec {
  ports: { name?: string; port: number; targetPort?: number | string }[];
  selector: Record<string, string>;
}

interface HpaSpec {
  scaleTargetRef: { apiVersion: string; kind: string; name: string };
  minReplicas: number;
  maxReplicas: number;
}

interface IngressSpec {
  rules: { http: { paths: { backend: { service: { name: string } } }[] } }[];
}

async function helm(...args: string[]): Promise<string> {
  const { stdout } = await run(HELM, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

async function render(...sets: string[]): Promise<K8sObject[]> {
  const out = await helm(
    'template',
    'nemo',
    CHART,
    '--namespace',
    'nemo',
    ...sets.flatMap((set) => ['--set', set]),
  );
  return loadAll(out).filter((doc): doc is K8sObject => typeof doc === 'object' && doc !== null);
}

const ofKind = (docs: K8sObject[], kind: string): K8sObject[] =>
  docs.filter((doc) => doc.kind === kind);
const specOf = <T>(doc: K8sObject): T => doc.spec as unknown as T;

function deploymentFor(docs: K8sObject[], role: string): DeploymentSpec {
  const found = ofKind(docs, 'Deployment').filter(
    (doc) => doc.metadata.labels?.['app.kubernetes.io/component'] === role,
  );
  expect(found).toHaveLength(1);
  return specOf<DeploymentSpec>(found[0]);
}

describe('helm chart helm/nemo-intent-api', () => {
  let defaults: K8sObject[];
  let scaled: K8sObject[];

  beforeAll(async () => {
    [defaults, scaled] = await Promise.all([
      render(),
      render('autoscaling.enabled=true', 'ingress.enabled=true', 'ingress.className=nginx'),
    ]);
  });

  it('passes helm lint --strict with defaults and with autoscaling and ingress on', async () => {
    // execFile rejects on a non-zero exit, so resolving means exit 0.
    await expect(helm('lint', '--strict', CHART)).resolves.toContain('0 chart(s) failed');
    await expect(
      helm(
        'lint',
        '--strict',
        CHART,
        '--set',
        'autoscaling.enabled=true',
        '--set',
        'ingress.enabled=true',
      ),
    ).resolves.toContain('0 chart(s) failed');
  });

  it('renders an api and a worker Deployment from one image', () => {
    const deployments = ofKind(defaults, 'Deployment');
    expect(deployments).toHaveLength(2);
    const api = deploymentFor(defaults, 'api').template.spec.containers[0];
    const worker = deploymentFor(defaults, 'worker').template.spec.containers[0];
    expect(api.args).toEqual(['api']);
    expect(worker.args).toEqual(['worker']);
    expect(api.image).toBe(worker.image);
  });

  it('probes the api on /healthz (liveness) and /readyz (readiness) on port 8000', () => {
    const api = deploymentFor(defaults, 'api').template.spec.containers[0];
    expect(api.ports).toEqual([expect.objectContaining({ name: 'http', containerPort: 8000 })]);
    expect(api.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(api.readinessProbe?.httpGet?.path).toBe('/readyz');
    for (const probe of [api.livenessProbe, api.readinessProbe]) {
      expect([8000, 'http']).toContain(probe?.httpGet?.port);
    }
  });

  it('runs both roles as non-root on a read-only root filesystem with /tmp writable', () => {
    for (const role of ['api', 'worker']) {
      const pod = deploymentFor(defaults, role).template.spec;
      const container = pod.containers[0];
      expect(pod.securityContext?.runAsNonRoot ?? container.securityContext?.runAsNonRoot).toBe(
        true,
      );
      expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
      expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
      const tmp = container.volumeMounts?.find((mount) => mount.mountPath === '/tmp');
      expect(tmp).toBeDefined();
      expect(pod.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir).toBeDefined();
    }
  });

  it('exposes the api pods (only) through a Service on port 8000', () => {
    const services = ofKind(defaults, 'Service');
    expect(services).toHaveLength(1);
    const service = specOf<ServiceSpec>(services[0]);
    expect(service.ports).toEqual([expect.objectContaining({ port: 8000 })]);
    expect(service.selector['app.kubernetes.io/component']).toBe('api');
    const apiLabels = deploymentFor(defaults, 'api').template.metadata.labels;
    expect(apiLabels).toMatchObject(service.selector);
  });

  it('loads settings from a ConfigMap and a Secret', () => {
    const [configMap] = ofKind(defaults, 'ConfigMap') as (K8sObject & {
      data: Record<string, string>;
    })[];
    expect(configMap.data).toMatchObject({ PORT: '8000', HOST: '0.0.0.0', AUTH_MODE: 'oidc' });
    const secretNames = ofKind(defaults, 'Secret').map((secret) => secret.metadata.name);
    expect(secretNames).toContain('nemo-nemo-intent-api-secrets');
  });

  it('runs database migrations in a pre-install/pre-upgrade hook Job', () => {
    const jobs = ofKind(defaults, 'Job');
    expect(jobs).toHaveLength(1);
    expect(jobs[0].metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const container = specOf<{ template: { spec: PodSpec } }>(jobs[0]).template.spec.containers[0];
    expect(container.command).toEqual([
      'node',
      'node_modules/typeorm/cli.js',
      'migration:run',
      '-d',
      'dist/src/database/data-source.js',
    ]);
  });

  it('renders no HPA or Ingress by default', () => {
    expect(ofKind(defaults, 'HorizontalPodAutoscaler')).toHaveLength(0);
    expect(ofKind(defaults, 'Ingress')).toHaveLength(0);
  });

  it('renders autoscaling/v2 HPAs for both roles with autoscaling.enabled=true', () => {
    const hpas = ofKind(scaled, 'HorizontalPodAutoscaler');
    expect(hpas.map((hpa) => hpa.apiVersion)).toEqual(['autoscaling/v2', 'autoscaling/v2']);
    const deploymentNames = ofKind(scaled, 'Deployment').map((doc) => doc.metadata.name);
    const targets = hpas.map((hpa) => specOf<HpaSpec>(hpa).scaleTargetRef);
    expect(targets.map((target) => target.kind)).toEqual(['Deployment', 'Deployment']);
    expect(targets.map((target) => target.name).sort()).toEqual([...deploymentNames].sort());
    for (const hpa of hpas) {
      const spec = specOf<HpaSpec>(hpa);
      expect(spec.maxReplicas).toBeGreaterThanOrEqual(spec.minReplicas);
    }
    // The HPA owns the replica count: the Deployments must not fight it.
    expect(deploymentFor(scaled, 'api').replicas).toBeUndefined();
    expect(deploymentFor(scaled, 'worker').replicas).toBeUndefined();
  });

  it('routes the Ingress to the api Service when ingress.enabled=true', () => {
    const [ingress] = ofKind(scaled, 'Ingress');
    expect(ingress).toBeDefined();
    const serviceName = ofKind(scaled, 'Service')[0].metadata.name;
    const backends = specOf<IngressSpec>(ingress).rules.flatMap((rule) =>
      rule.http.paths.map((path) => path.backend.service.name),
    );
    expect(backends.length).toBeGreaterThan(0);
    expect(new Set(backends)).toEqual(new Set([serviceName]));
  });
});

describe('docker-compose.yml', () => {
  interface ComposeService {
    image?: string;
    build?: unknown;
    command?: string[];
    environment?: Record<string, string>;
  }
  let services: Record<string, ComposeService>;

  beforeAll(async () => {
    const compose = load(await readFile(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, ComposeService>;
    };
    services = compose.services;
  });

  it('declares the backing services and both roles', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining([
        'postgres',
        'redis',
        'rabbitmq',
        'registry',
        'minio',
        'api',
        'worker',
      ]),
    );
  });

  it('runs api and worker from the same image with the variable names of .local/env', () => {
    expect(services.api.command).toEqual(['api']);
    expect(services.worker.command).toEqual(['worker']);
    expect(services.worker.image).toBe(services.api.image);
    for (const role of ['api', 'worker']) {
      expect(Object.keys(services[role].environment ?? {})).toEqual(
        expect.arrayContaining([
          'DATABASE_URL',
          'REDIS_URL',
          'RABBITMQ_URL',
          'AWS_ENDPOINT',
          'AWS_ACCESS_KEY_ID',
          'AWS_SECRET_ACCESS_KEY',
          'AWS_DEFAULT_REGION',
          'HELM_REPOSITORY_BUCKET',
          'HELM_REPOSITORY_NAME',
          'REGISTRY_HOST',
          'REGISTRY_TLS_VERIFY',
        ]),
      );
    }
  });
});
