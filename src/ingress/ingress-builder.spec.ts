import { KubernetesManifest } from '../common/kubernetes-manifest';
import { DEFAULT_HOST_TEMPLATE, HOST_TEMPLATE_PATTERN } from '../config/host-template';
import { instanceShort, isValidHost, renderHostTemplate } from './host-template';
import {
  buildIngresses,
  ExposedInstance,
  IngressAnnotationError,
  IngressSettings,
} from './ingress-builder';
import { PATH_TYPES } from './ingress.annotations';

const INSTANCE = {
  releaseName: 'shop',
  instanceId: '936623ae-8969-4d73-8c04-527d1cb815ac',
  namespace: 'edge',
};
const SETTINGS: IngressSettings = {
  hostTemplate: DEFAULT_HOST_TEMPLATE,
  domain: 'apps.nemo.eu',
  className: 'nginx',
};
const HOST = 'shop.936623ae.apps.nemo.eu';

type Ports = Array<{ port: number; name?: string; targetPort?: number | string }>;

function service(
  name: string,
  annotations: Record<string, unknown> | undefined,
  ports: Ports = [{ name: 'http', port: 80, targetPort: 8080 }],
  namespace?: string,
): KubernetesManifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(annotations ? { annotations } : {}),
    },
    spec: { selector: { app: name }, ports },
  };
}

const exposed = (extra: Record<string, unknown> = {}) => ({
  'nemo.eu/ingress-expose': 'true',
  ...extra,
});

function only(
  manifests: KubernetesManifest[],
  settings = SETTINGS,
  instance: ExposedInstance = INSTANCE,
) {
  const result = buildIngresses(manifests, instance, settings);
  expect(result.ingresses).toHaveLength(1);
  return { ingress: result.ingresses[0] as unknown as IngressShape, exposed: result.exposed[0] };
}

interface IngressShape {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: {
    ingressClassName?: string;
    tls?: Array<{ hosts: string[]; secretName: string }>;
    rules: Array<{
      host: string;
      http: {
        paths: Array<{
          path: string;
          pathType: string;
          backend: { service: { name: string; port: object } };
        }>;
      };
    }>;
  };
}

const pathOf = (ingress: IngressShape) => ingress.spec.rules[0].http.paths[0];

function refusal(manifests: KubernetesManifest[], settings = SETTINGS): IngressAnnotationError {
  try {
    buildIngresses(manifests, INSTANCE, settings);
  } catch (error) {
    expect(error).toBeInstanceOf(IngressAnnotationError);
    return error as IngressAnnotationError;
  }
  throw new Error('expected the annotations to be refused');
}

describe('buildIngresses: the seed annotation table', () => {
  it('nemo.eu/ingress-expose "true" alone: every other annotation takes its default', () => {
    const { ingress, exposed: url } = only([service('web', exposed())]);
    expect(ingress).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'web-nemo-ingress',
        namespace: 'edge',
        labels: {
          'app.kubernetes.io/managed-by': 'nemo-intent-api',
          'app.kubernetes.io/instance': 'shop',
          'nemo.eu/instance-id': INSTANCE.instanceId,
        },
        annotations: { 'nemo.eu/exposed-service': 'web' },
      },
      spec: {
        ingressClassName: 'nginx',
        rules: [
          {
            host: HOST,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'ImplementationSpecific',
                  backend: { service: { name: 'web', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    });
    expect(url).toEqual({
      service: 'web',
      host: HOST,
      path: '/',
      pathType: 'ImplementationSpecific',
      url: `http://${HOST}/`,
    });
  });

  it.each([
    ['absent', undefined],
    ['no expose annotation', { 'nemo.eu/ingress-path': '/api' }],
    ['"false"', { 'nemo.eu/ingress-expose': 'false' }],
    ['empty', { 'nemo.eu/ingress-expose': '' }],
  ])('does not expose a Service whose expose annotation is %s', (_, annotations) => {
    expect(buildIngresses([service('web', annotations)], INSTANCE, SETTINGS)).toEqual({
      ingresses: [],
      exposed: [],
    });
  });

  it('reads the expose flag case-insensitively and as a YAML boolean', () => {
    expect(only([service('web', { 'nemo.eu/ingress-expose': 'True' })]).ingress.kind).toBe(
      'Ingress',
    );
    expect(only([service('web', { 'nemo.eu/ingress-expose': true })]).ingress.kind).toBe('Ingress');
  });

  it('nemo.eu/ingress-service-port by number routes to that Service port', () => {
    const ports = [
      { name: 'http', port: 80 },
      { name: 'admin', port: 9090 },
    ];
    const { ingress } = only([
      service('web', exposed({ 'nemo.eu/ingress-service-port': '9090' }), ports),
    ]);
    expect(pathOf(ingress).backend.service.port).toEqual({ number: 9090 });
  });

  it('nemo.eu/ingress-service-port as an unquoted YAML number still works', () => {
    const { ingress } = only([service('web', exposed({ 'nemo.eu/ingress-service-port': 80 }))]);
    expect(pathOf(ingress).backend.service.port).toEqual({ number: 80 });
  });

  it('nemo.eu/ingress-service-port by name routes to the named port', () => {
    const ports = [
      { name: 'http', port: 80 },
      { name: 'metrics', port: 9100 },
    ];
    const { ingress } = only([
      service('web', exposed({ 'nemo.eu/ingress-service-port': 'metrics' }), ports),
    ]);
    expect(pathOf(ingress).backend.service.port).toEqual({ name: 'metrics' });
  });

  it('without nemo.eu/ingress-service-port, a multi-port Service routes to its first port', () => {
    const ports = [
      { name: 'grpc', port: 50051 },
      { name: 'http', port: 80 },
    ];
    const { ingress } = only([service('web', exposed(), ports)]);
    expect(pathOf(ingress).backend.service.port).toEqual({ number: 50051 });
  });

  it('nemo.eu/ingress-path sets the exposed path and the URL', () => {
    const { ingress, exposed: url } = only([
      service('web', exposed({ 'nemo.eu/ingress-path': '/api/v2' })),
    ]);
    expect(pathOf(ingress).path).toBe('/api/v2');
    expect(url.url).toBe(`http://${HOST}/api/v2`);
  });

  it.each(['Exact', 'Prefix', 'ImplementationSpecific'])(
    'nemo.eu/ingress-path-type %s is honoured',
    (type) => {
      const { ingress } = only([
        service(
          'web',
          exposed({ 'nemo.eu/ingress-path': '/app', 'nemo.eu/ingress-path-type': type }),
        ),
      ]);
      expect(pathOf(ingress)).toMatchObject({ path: '/app', pathType: type });
    },
  );

  it('treats empty optional annotations as their defaults', () => {
    const { ingress } = only([
      service(
        'web',
        exposed({
          'nemo.eu/ingress-service-port': '',
          'nemo.eu/ingress-path': '',
          'nemo.eu/ingress-path-type': '',
        }),
      ),
    ]);
    expect(pathOf(ingress)).toEqual({
      path: '/',
      pathType: 'ImplementationSpecific',
      backend: { service: { name: 'web', port: { number: 80 } } },
    });
  });
});

describe('buildIngresses: which objects and where', () => {
  it('gives each exposed Service its own Ingress and leaves other kinds alone', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', annotations: exposed() },
      spec: {},
    };
    const result = buildIngresses(
      [
        deployment,
        service('web', exposed()),
        service(
          'api',
          exposed({ 'nemo.eu/ingress-path': '/api', 'nemo.eu/ingress-path-type': 'Prefix' }),
        ),
        service('db', undefined, [{ port: 5432 }]),
      ],
      INSTANCE,
      SETTINGS,
    );
    expect(result.ingresses.map((ingress) => (ingress.metadata as { name: string }).name)).toEqual([
      'web-nemo-ingress',
      'api-nemo-ingress',
    ]);
    expect(result.exposed.map((entry) => entry.url)).toEqual([
      `http://${HOST}/`,
      `http://${HOST}/api`,
    ]);
  });

  it("puts the Ingress in the Service's namespace, else the instance's, else none", () => {
    expect(only([service('web', exposed(), undefined, 'team-a')]).ingress.metadata.namespace).toBe(
      'team-a',
    );
    expect(only([service('web', exposed())]).ingress.metadata.namespace).toBe('edge');
    const { ingress } = only([service('web', exposed())], SETTINGS, {
      ...INSTANCE,
      namespace: undefined,
    });
    expect(ingress.metadata).not.toHaveProperty('namespace');
  });

  it('adds TLS with the configured secret and serves https URLs', () => {
    const { ingress, exposed: url } = only([service('web', exposed())], {
      ...SETTINGS,
      tlsSecret: 'nemo-wildcard',
    });
    expect(ingress.spec.tls).toEqual([{ hosts: [HOST], secretName: 'nemo-wildcard' }]);
    expect(url.url).toBe(`https://${HOST}/`);
  });

  it('omits TLS and the class when they are not configured', () => {
    const { ingress } = only([service('web', exposed())], { ...SETTINGS, className: undefined });
    expect(ingress.spec).not.toHaveProperty('tls');
    expect(ingress.spec).not.toHaveProperty('ingressClassName');
  });

  it('fills every host template placeholder', () => {
    const template = '{service}-{release}-{instance_short}.{namespace}.{INGRESS_DOMAIN}';
    const { ingress } = only([service('web', exposed())], { ...SETTINGS, hostTemplate: template });
    expect(ingress.spec.rules[0].host).toBe('web-shop-936623ae.edge.apps.nemo.eu');
    const full = only([service('web', exposed())], {
      ...SETTINGS,
      hostTemplate: '{instance_id}.{INGRESS_DOMAIN}',
    });
    expect(full.ingress.spec.rules[0].host).toBe(`${INSTANCE.instanceId}.apps.nemo.eu`);
  });

  it('is pure: the same input gives the same output and the input is not changed', () => {
    const manifests = [service('web', exposed())];
    const before = JSON.stringify(manifests);
    expect(buildIngresses(manifests, INSTANCE, SETTINGS)).toEqual(
      buildIngresses(manifests, INSTANCE, SETTINGS),
    );
    expect(JSON.stringify(manifests)).toBe(before);
  });
});

describe('buildIngresses: refusals (422 naming the Service and the annotation)', () => {
  it('refuses a port number the Service does not expose', () => {
    const error = refusal([service('web', exposed({ 'nemo.eu/ingress-service-port': '8080' }))]);
    expect(error.status).toBe(422);
    expect(error.code).toBe('ingress_annotation_invalid');
    expect(error.message).toBe(
      'Service "web", annotation nemo.eu/ingress-service-port: port 8080 is not a port of the Service: the Service exposes 80 (http)',
    );
    expect(error.errors).toEqual([
      {
        field: 'Service/web.metadata.annotations["nemo.eu/ingress-service-port"]',
        reason: 'port 8080 is not a port of the Service: the Service exposes 80 (http)',
      },
    ]);
  });

  it('refuses a target port: an Ingress routes to Service ports only', () => {
    const error = refusal([service('web', exposed({ 'nemo.eu/ingress-service-port': '8080' }))]);
    expect(error.message).toContain('port 8080 is not a port of the Service');
  });

  it('refuses a port name the Service does not have', () => {
    const error = refusal([service('web', exposed({ 'nemo.eu/ingress-service-port': 'grpc' }))]);
    expect(error.message).toBe(
      'Service "web", annotation nemo.eu/ingress-service-port: port "grpc" is not a port of the Service: the Service exposes 80 (http)',
    );
  });

  it('refuses a Service without ports', () => {
    const error = refusal([service('web', exposed(), [])]);
    expect(error.errors?.[0]).toEqual({
      field: 'Service/web.metadata.annotations["nemo.eu/ingress-service-port"]',
      reason: 'the Service exposes no port to route to',
    });
  });

  it.each(['prefix', 'Regex', 'exact '])('refuses the unknown path type %p', (type) => {
    const error = refusal([service('web', exposed({ 'nemo.eu/ingress-path-type': type }))]);
    expect(error.errors).toEqual([
      {
        field: 'Service/web.metadata.annotations["nemo.eu/ingress-path-type"]',
        reason: `unknown path type "${type.trim()}": use one of Exact, Prefix, ImplementationSpecific`,
      },
    ]);
  });

  it('refuses a relative path whatever the path type', () => {
    const error = refusal([service('web', exposed({ 'nemo.eu/ingress-path': 'api' }))]);
    expect(error.errors?.[0].field).toBe(
      'Service/web.metadata.annotations["nemo.eu/ingress-path"]',
    );
    expect(error.errors?.[0].reason).toBe('"api" must be an absolute path (start with "/")');
  });

  const HOSTILE_PATHS = [
    ['/x;}} location /admin { return 200; } #', 'may only contain'],
    ['/a\nmore_set_headers "X: y";', 'may only contain'],
    ['/api(/|$)(.*)', 'may only contain'],
    ['/a//b', 'must not contain "//"'],
    ['/a/../b', 'must not contain a ".." segment'],
    ['/a/.', 'must not contain a "." segment'],
    ['/a%2Fb', 'must not contain the escape "%2F"'],
    ['/a%zz', 'not followed by two hex digits'],
    [`/${'a'.repeat(256)}`, 'longer than 256 characters'],
  ];

  it.each(
    HOSTILE_PATHS.flatMap(([path, reason]) => PATH_TYPES.map((type) => [type, path, reason])),
  )('refuses with path type %s the path %p', (type, path, reason) => {
    const error = refusal([
      service('web', exposed({ 'nemo.eu/ingress-path': path, 'nemo.eu/ingress-path-type': type })),
    ]);
    expect(error.errors).toEqual([
      {
        field: 'Service/web.metadata.annotations["nemo.eu/ingress-path"]',
        reason: expect.stringContaining(reason),
      },
    ]);
    expect(error.message).toContain('Service "web", annotation nemo.eu/ingress-path');
  });

  it('accepts unreserved characters and percent escapes in a path', () => {
    const { ingress } = only([
      service('web', exposed({ 'nemo.eu/ingress-path': '/api/v1.2/~user/a-b_c/%C3%A9' })),
    ]);
    expect(pathOf(ingress).path).toBe('/api/v1.2/~user/a-b_c/%C3%A9');
  });

  it('refuses two Services on the same host and path', () => {
    const error = refusal([service('web', exposed()), service('web2', exposed())]);
    expect(error.errors).toEqual([
      {
        field: 'Service/web2.metadata.annotations["nemo.eu/ingress-path"]',
        reason: `host ${HOST} path / is already exposed by Service "web"`,
      },
    ]);
  });

  it('refuses a template that makes an invalid host', () => {
    const error = refusal([service('web', exposed())], {
      ...SETTINGS,
      hostTemplate: '{release}..{INGRESS_DOMAIN}',
    });
    expect(error.errors?.[0]).toEqual({
      field: 'Service/web.metadata.annotations["nemo.eu/ingress-expose"]',
      reason:
        'the ingress host "shop..apps.nemo.eu" made from INGRESS_HOST_TEMPLATE is not a valid DNS name',
    });
  });

  it('names every broken annotation of every Service at once', () => {
    const error = refusal([
      service(
        'web',
        exposed({ 'nemo.eu/ingress-service-port': '81', 'nemo.eu/ingress-path-type': 'Glob' }),
      ),
      service('api', exposed({ 'nemo.eu/ingress-path': 'x' })),
    ]);
    expect(error.errors?.map((entry) => entry.field)).toEqual([
      'Service/web.metadata.annotations["nemo.eu/ingress-path-type"]',
      'Service/web.metadata.annotations["nemo.eu/ingress-service-port"]',
      'Service/api.metadata.annotations["nemo.eu/ingress-path"]',
    ]);
    expect(error.message).toMatch(
      /^Service "web", annotation nemo.eu\/ingress-path-type: .* \(and 2 more\)$/,
    );
  });
});

describe('host template', () => {
  it.each([
    DEFAULT_HOST_TEMPLATE,
    '{service}.{release}.example.eu',
    'apps-{instance_id}.{INGRESS_DOMAIN}',
  ])('accepts %p', (template) => expect(HOST_TEMPLATE_PATTERN.test(template)).toBe(true));

  it.each([
    '{release}.{unknown}.eu',
    'Upper.{INGRESS_DOMAIN}',
    '{release} .eu',
    'http://{release}',
  ])('rejects %p', (template) => expect(HOST_TEMPLATE_PATTERN.test(template)).toBe(false));

  it('renders placeholders and leaves unknown braces as they are', () => {
    const values = {
      release: 'r',
      instance_short: 's',
      instance_id: 'i',
      service: 'svc',
      namespace: 'ns',
      INGRESS_DOMAIN: 'd.eu',
    };
    expect(renderHostTemplate('{release}.{service}.{namespace}.{INGRESS_DOMAIN}', values)).toBe(
      'r.svc.ns.d.eu',
    );
    expect(renderHostTemplate('{nope}.x', values)).toBe('{nope}.x');
  });

  it('takes the first UUID block as the short instance id', () => {
    expect(instanceShort('936623AE-8969-4d73-8c04-527d1cb815ac')).toBe('936623ae');
  });

  it('validates hosts as DNS-1123 subdomains', () => {
    expect(isValidHost('a.b-c.eu')).toBe(true);
    expect(isValidHost(`${'a'.repeat(64)}.eu`)).toBe(false);
    expect(isValidHost('-a.eu')).toBe(false);
    expect(isValidHost('a_b.eu')).toBe(false);
  });
});
