import { UnprocessableError } from '../common/errors/domain-error';
import { FieldError } from '../common/errors/problem';
import { KubernetesManifest } from '../common/kubernetes-manifest';
import { instanceShort, isValidHost, renderHostTemplate } from './host-template';
import { ingressPathProblem } from './ingress-path';
import {
  DEFAULT_PATH,
  DEFAULT_PATH_TYPE,
  EXPOSE_ANNOTATION,
  EXPOSED_SERVICE_ANNOTATION,
  INSTANCE_ID_LABEL,
  MANAGED_BY,
  PATH_ANNOTATION,
  PATH_TYPE_ANNOTATION,
  PATH_TYPES,
  PathType,
  SERVICE_PORT_ANNOTATION,
} from './ingress.annotations';

/** Operator settings: where exposed instances live and which controller serves them. */
export interface IngressSettings {
  hostTemplate: string;
  domain: string;
  className?: string;
  tlsSecret?: string;
}

/** The instance whose rendered Services are exposed. */
export interface ExposedInstance {
  releaseName: string;
  instanceId: string;
  namespace?: string;
}

export interface ExposedService {
  service: string;
  host: string;
  path: string;
  pathType: PathType;
  url: string;
}

export interface IngressExposure {
  ingresses: KubernetesManifest[];
  exposed: ExposedService[];
}

type ServiceBackendPort = { number: number } | { name: string };

interface ServicePort {
  name?: string;
  port: number;
}

interface AnnotatedService {
  name: string;
  namespace?: string;
  annotations: Record<string, string>;
  ports: ServicePort[];
}

/** One broken annotation; all of them are collected before the request is refused. */
class AnnotationProblem {
  constructor(
    readonly service: string,
    readonly annotation: string,
    readonly reason: string,
  ) {}

  toFieldError(): FieldError {
    return {
      field: `Service/${this.service}.metadata.annotations["${this.annotation}"]`,
      reason: this.reason,
    };
  }
}

export class IngressAnnotationError extends UnprocessableError {
  constructor(problems: AnnotationProblem[]) {
    const [first] = problems;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super(
      'ingress_annotation_invalid',
      `Service "${first.service}", annotation ${first.annotation}: ${first.reason}${more}`,
      problems.map((problem) => problem.toFieldError()),
    );
  }
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function stringValues(value: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(asRecord(value)).map(([key, entry]) => [key, String(entry).trim()]),
  );
}

function servicePorts(spec: Record<string, unknown>): ServicePort[] {
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  return ports
    .map(asRecord)
    .filter((port) => typeof port.port === 'number')
    .map((port) => ({
      port: port.port as number,
      name: typeof port.name === 'string' ? port.name : undefined,
    }));
}

/** Rendered Services whose `nemo.eu/ingress-expose` annotation says "true". */
export function exposableServices(manifests: KubernetesManifest[]): AnnotatedService[] {
  return manifests
    .filter((manifest) => manifest.apiVersion === 'v1' && manifest.kind === 'Service')
    .map((manifest) => {
      const metadata = asRecord(manifest.metadata);
      return {
        name: String(metadata.name ?? ''),
        namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
        annotations: stringValues(metadata.annotations),
        ports: servicePorts(asRecord(manifest.spec)),
      };
    })
    .filter((service) => service.annotations[EXPOSE_ANNOTATION]?.toLowerCase() === 'true');
}

function describePorts(ports: ServicePort[]): string {
  if (ports.length === 0) return 'the Service exposes no port';
  const listed = ports.map((port) => (port.name ? `${port.port} (${port.name})` : `${port.port}`));
  return `the Service exposes ${listed.join(', ')}`;
}

/**
 * The backend port: the annotation names a Service port by number or by name; without it, the
 * Service's (first) port. Target ports do not count: an Ingress routes to the Service.
 */
function backendPort(service: AnnotatedService): ServiceBackendPort | AnnotationProblem {
  const wanted = service.annotations[SERVICE_PORT_ANNOTATION] ?? '';
  const problem = (reason: string) =>
    new AnnotationProblem(service.name, SERVICE_PORT_ANNOTATION, reason);
  if (wanted === '') {
    const [first] = service.ports;
    return first ? { number: first.port } : problem('the Service exposes no port to route to');
  }
  if (/^\d+$/.test(wanted)) {
    const number = Number(wanted);
    if (service.ports.some((port) => port.port === number)) return { number };
    return problem(`port ${wanted} is not a port of the Service: ${describePorts(service.ports)}`);
  }
  if (service.ports.some((port) => port.name === wanted)) return { name: wanted };
  return problem(`port "${wanted}" is not a port of the Service: ${describePorts(service.ports)}`);
}

function isPathType(value: string): value is PathType {
  return (PATH_TYPES as readonly string[]).includes(value);
}

interface Route {
  service: AnnotatedService;
  host: string;
  path: string;
  pathType: PathType;
  port: ServiceBackendPort;
}

function routeOf(
  service: AnnotatedService,
  instance: ExposedInstance,
  settings: IngressSettings,
): Route | AnnotationProblem[] {
  const problems: AnnotationProblem[] = [];
  const rawType = service.annotations[PATH_TYPE_ANNOTATION] || DEFAULT_PATH_TYPE;
  const pathType = isPathType(rawType) ? rawType : DEFAULT_PATH_TYPE;
  if (!isPathType(rawType)) {
    problems.push(
      new AnnotationProblem(
        service.name,
        PATH_TYPE_ANNOTATION,
        `unknown path type "${rawType}": use one of ${PATH_TYPES.join(', ')}`,
      ),
    );
  }
  const path = service.annotations[PATH_ANNOTATION] || DEFAULT_PATH;
  const pathProblem = ingressPathProblem(path);
  if (pathProblem) problems.push(new AnnotationProblem(service.name, PATH_ANNOTATION, pathProblem));
  const port = backendPort(service);
  if (port instanceof AnnotationProblem) problems.push(port);
  const host = renderHostTemplate(settings.hostTemplate, {
    release: instance.releaseName,
    instance_short: instanceShort(instance.instanceId),
    instance_id: instance.instanceId.toLowerCase(),
    service: service.name,
    namespace: service.namespace ?? instance.namespace ?? 'default',
    INGRESS_DOMAIN: settings.domain,
  });
  if (!isValidHost(host)) {
    problems.push(
      new AnnotationProblem(
        service.name,
        EXPOSE_ANNOTATION,
        `the ingress host "${host}" made from INGRESS_HOST_TEMPLATE is not a valid DNS name`,
      ),
    );
  }
  if (problems.length > 0 || port instanceof AnnotationProblem) return problems;
  return { service, host, path, pathType, port };
}

function ingressOf(route: Route, instance: ExposedInstance, settings: IngressSettings) {
  const namespace = route.service.namespace ?? instance.namespace;
  const rule = {
    host: route.host,
    http: {
      paths: [
        {
          path: route.path,
          pathType: route.pathType,
          backend: { service: { name: route.service.name, port: route.port } },
        },
      ],
    },
  };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: `${route.service.name}-nemo-ingress`,
      ...(namespace ? { namespace } : {}),
      labels: {
        'app.kubernetes.io/managed-by': MANAGED_BY,
        'app.kubernetes.io/instance': instance.releaseName,
        [INSTANCE_ID_LABEL]: instance.instanceId,
      },
      annotations: { [EXPOSED_SERVICE_ANNOTATION]: route.service.name },
    },
    spec: {
      ...(settings.className ? { ingressClassName: settings.className } : {}),
      ...(settings.tlsSecret
        ? { tls: [{ hosts: [route.host], secretName: settings.tlsSecret }] }
        : {}),
      rules: [rule],
    },
  };
}

/** Two Services on one host and path would fight over the same requests. */
function duplicateRouteProblems(routes: Route[]): AnnotationProblem[] {
  const seen = new Map<string, string>();
  const problems: AnnotationProblem[] = [];
  for (const route of routes) {
    const key = `${route.host}\u0000${route.path}`;
    const owner = seen.get(key);
    if (owner === undefined) {
      seen.set(key, route.service.name);
      continue;
    }
    problems.push(
      new AnnotationProblem(
        route.service.name,
        PATH_ANNOTATION,
        `host ${route.host} path ${route.path} is already exposed by Service "${owner}"`,
      ),
    );
  }
  return problems;
}

/**
 * The NEMO ingress contract: every rendered Service annotated `nemo.eu/ingress-expose: "true"`
 * gets one `networking.k8s.io/v1` Ingress routing `host + path` to it. Pure: the same manifests,
 * instance and settings always give the same objects. Throws IngressAnnotationError (422) naming
 * every Service and annotation that cannot be honoured.
 */
export function buildIngresses(
  manifests: KubernetesManifest[],
  instance: ExposedInstance,
  settings: IngressSettings,
): IngressExposure {
  const routes: Route[] = [];
  const problems: AnnotationProblem[] = [];
  for (const service of exposableServices(manifests)) {
    const route = routeOf(service, instance, settings);
    if (Array.isArray(route)) problems.push(...route);
    else routes.push(route);
  }
  problems.push(...duplicateRouteProblems(routes));
  if (problems.length > 0) throw new IngressAnnotationError(problems);
  const scheme = settings.tlsSecret ? 'https' : 'http';
  return {
    ingresses: routes.map((route) => ingressOf(route, instance, settings)),
    exposed: routes.map((route) => ({
      service: route.service.name,
      host: route.host,
      path: route.path,
      pathType: route.pathType,
      url: `${scheme}://${route.host}${route.path}`,
    })),
  };
}
