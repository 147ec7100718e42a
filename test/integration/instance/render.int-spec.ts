import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { DomainError } from '../../../src/common/errors/domain-error';
import { ConfigSlices } from '../../../src/config/config-slices';
import { HelmRepoService } from '../../../src/helm-repo/helm-repo.service';
import { readChartArchive } from '../../../src/infra/chart-archive/chart-archive';
import { HelmCli } from '../../../src/infra/helm/helm.cli';
import { buildIngresses } from '../../../src/ingress/ingress-builder';
import { ManifestRenderer, RenderInput } from '../../../src/instance/rendering/manifest-renderer';
import { RenderCache } from '../../../src/instance/rendering/render-cache';
import { KubernetesManifest } from '../../../src/common/kubernetes-manifest';
import { CountingHelm } from '../../fakes/helm';
import { configWith } from '../../support/config';
import { validateAgainstKubernetesSchema } from './k8s-schema';
import { shopChart, SHOP_VALUES } from './shop-chart';

const run = promisify(execFile);

describe('ManifestRenderer with the real helm', () => {
  let dir: string;
  let config: ConfigSlices;
  let renderer: ManifestRenderer;
  let chartPath: string;
  let fetched: string;
  let helm: CountingHelm;

  const input = (overrides: Partial<RenderInput> = {}): RenderInput => ({
    releaseName: 'shop',
    namespace: 'edge',
    values: {},
    ...overrides,
  });

  /**
   * As instances render, the repository handing out the chart at `path`: with the verdict the
   * worker's archive scan stores at onboarding. `cached`: whether no helm process ran.
   */
  async function renderLocal(path: string, render: RenderInput) {
    const { nonDeterministic } = await readChartArchive(await readFile(path), {
      maxEntries: 100,
      maxUnpackedBytes: 1024 * 1024,
    });
    fetched = path;
    const templates = helm.calls.length;
    const { manifests } = await renderer.render(
      { name: 'chart', version: '0.1.0', deterministic: nonDeterministic.length === 0 },
      render,
    );
    return { manifests, cached: helm.calls.length === templates };
  }

  async function writeChart(name: string, bytes: Buffer): Promise<string> {
    const path = join(dir, `${name}.tgz`);
    await writeFile(path, bytes);
    return path;
  }

  /** What `helm template` itself prints for the same inputs, parsed the same way. */
  async function helmTemplate(path: string, render: RenderInput): Promise<unknown[]> {
    const valuesFile = join(dir, 'direct-values.yaml');
    await writeFile(valuesFile, JSON.stringify(render.values));
    const args = ['template', render.releaseName, path, '-f', valuesFile];
    if (render.namespace) args.push('--namespace', render.namespace);
    const { stdout } = await run(config.helm.HELM_BIN, args);
    return loadAll(stdout, null, { schema: CORE_SCHEMA }).filter((document) => document !== null);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'instance-render-'));
    config = configWith({
      workDir: { WORK_DIR: join(dir, 'work') },
      render: { RENDER_CACHE_DIR: join(dir, 'cache') },
    });
    const cache = new RenderCache(config.render, config.workDir);
    const helmRepo = { fetchChart: async () => fetched } as unknown as HelmRepoService;
    helm = new CountingHelm(new HelmCli(config.helm, config.workDir));
    renderer = new ManifestRenderer(helm, helmRepo, cache, config.render);
    chartPath = await writeChart('shop', shopChart());
    fetched = chartPath;
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renders what helm template prints for the same chart, values, release and namespace', async () => {
    const values = { replicaCount: 3, message: 'hi there', csv: 'a=b,c=d' };
    const { manifests } = await renderLocal(chartPath, input({ values }));
    expect(manifests).toEqual(await helmTemplate(chartPath, input({ values })));
    expect(manifests.map((manifest) => manifest.kind)).toEqual([
      'ConfigMap',
      'Service',
      'Deployment',
    ]);
    const configMap = manifests[0] as KubernetesManifest & { data: Record<string, string> };
    // A values file, not --set: commas and equals signs reach the chart untouched.
    expect(configMap.data).toEqual({ message: 'hi there', csv: 'a=b,c=d' });
    expect((manifests[2].spec as { replicas: number }).replicas).toBe(3);
    expect((manifests[1].metadata as { namespace: string }).namespace).toBe('edge');
  });

  it('goes through fetchChart for a chart of the repository', async () => {
    fetched = chartPath;
    const { manifests } = await renderer.render(
      { name: 'shop', version: '0.1.0', deterministic: true },
      input({ releaseName: 'via-repo' }),
    );
    expect((manifests[0].metadata as { name: string }).name).toBe('via-repo-config');
  });

  it('serves a repeated render from the cache, and renders again when any input changes', async () => {
    const first = await renderLocal(
      chartPath,
      input({ releaseName: 'cached', values: { message: 'x' } }),
    );
    const again = await renderLocal(
      chartPath,
      input({ releaseName: 'cached', values: { message: 'x' } }),
    );
    expect(first.cached).toBe(false);
    expect(again).toEqual({ manifests: first.manifests, cached: true });
    const changes: Array<Partial<RenderInput>> = [
      { releaseName: 'cached', values: { message: 'y' } },
      { releaseName: 'cached2', values: { message: 'x' } },
      { releaseName: 'cached', values: { message: 'x' }, namespace: 'other' },
    ];
    for (const change of changes)
      expect((await renderLocal(chartPath, input(change))).cached).toBe(false);
    const otherChart = await writeChart('shop-2', shopChart({ version: '0.2.0' }));
    expect(
      (await renderLocal(otherChart, input({ releaseName: 'cached', values: { message: 'x' } })))
        .cached,
    ).toBe(false);
    expect((await readdir(join(dir, 'cache'))).length).toBeGreaterThanOrEqual(5);
  });

  it('never caches a chart whose templates generate random values', async () => {
    const random = await writeChart(
      'random',
      shopChart({
        name: 'random',
        files: {
          'templates/secret.yaml':
            'apiVersion: v1\nkind: Secret\nmetadata: {name: pw}\nstringData:\n  password: {{ randAlphaNum 24 | quote }}\n',
        },
      }),
    );
    const first = await renderLocal(random, input());
    const second = await renderLocal(random, input());
    expect([first.cached, second.cached]).toEqual([false, false]);
    const password = (render: typeof first) =>
      (
        render.manifests.find((manifest) => manifest.kind === 'Secret') as unknown as {
          stringData: { password: string };
        }
      ).stringData.password;
    expect(password(first)).not.toBe(password(second));
  });

  it("answers a template error with 422 and helm's message", async () => {
    const failure = renderLocal(
      chartPath,
      input({ values: { failWith: 'set images.app to a tag you own' } }),
    );
    await expect(failure).rejects.toBeInstanceOf(DomainError);
    await expect(failure).rejects.toMatchObject({
      status: 422,
      code: 'render_failed',
      message: expect.stringContaining('set images.app to a tag you own'),
    });
  });

  it('drops empty documents and chart tests', async () => {
    const withTest = await writeChart(
      'with-test',
      shopChart({
        name: 'with-test',
        files: {
          'templates/tests/test.yaml':
            'apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations: {"helm.sh/hook": test}\nspec:\n  containers: [{name: t, image: busybox}]\n',
        },
      }),
    );
    const { manifests } = await renderLocal(withTest, input());
    expect(manifests.map((manifest) => manifest.kind)).toEqual([
      'ConfigMap',
      'Service',
      'Deployment',
    ]);
  });

  describe('Ingress objects generated from a real render validate against the Kubernetes schema', () => {
    const services = {
      // Merged over the chart's own services.web by helm: the defaults case.
      web: {
        ports: [{ name: 'http', port: 80 }],
        annotations: { 'nemo.eu/ingress-expose': 'true' },
      },
      bynumber: {
        ports: [
          { name: 'http', port: 80 },
          { name: 'admin', port: 9090 },
        ],
        annotations: {
          'nemo.eu/ingress-expose': 'true',
          'nemo.eu/ingress-service-port': '9090',
          'nemo.eu/ingress-path': '/admin',
          'nemo.eu/ingress-path-type': 'Prefix',
        },
      },
      byname: {
        ports: [{ name: 'grpc', port: 50051 }],
        annotations: {
          'nemo.eu/ingress-expose': 'true',
          'nemo.eu/ingress-service-port': 'grpc',
          'nemo.eu/ingress-path': '/rpc',
          'nemo.eu/ingress-path-type': 'Exact',
        },
      },
      hidden: { ports: [{ name: 'db', port: 5432 }] },
    };

    it.each([
      ['without TLS', undefined],
      ['with TLS', 'nemo-wildcard-tls'],
    ])('%s', async (_, tlsSecret) => {
      const { manifests } = await renderLocal(chartPath, input({ values: { services } }));
      const instanceId = '936623ae-8969-4d73-8c04-527d1cb815ac';
      const { ingresses, exposed } = buildIngresses(
        manifests,
        { releaseName: 'shop', instanceId, namespace: 'edge' },
        {
          hostTemplate: config.ingress.INGRESS_HOST_TEMPLATE,
          domain: 'apps.nemo.eu',
          className: 'nginx',
          tlsSecret,
        },
      );
      expect(ingresses).toHaveLength(3);
      const scheme = tlsSecret ? 'https' : 'http';
      expect(exposed.map((entry) => entry.url).sort()).toEqual(
        ['/', '/admin', '/rpc'].map((path) => `${scheme}://shop.936623ae.apps.nemo.eu${path}`),
      );
      const results = await validateAgainstKubernetesSchema([...manifests, ...ingresses]);
      expect(results.filter((result) => result.errors !== null)).toEqual([]);
      expect(results.filter((result) => result.kind === 'Ingress')).toHaveLength(3);
    });

    it('the schema check can fail: a broken Ingress is reported', async () => {
      const { ingresses } = buildIngresses(
        (await renderLocal(chartPath, input({ values: { services } }))).manifests,
        { releaseName: 'shop', instanceId: '936623ae-8969-4d73-8c04-527d1cb815ac' },
        { hostTemplate: config.ingress.INGRESS_HOST_TEMPLATE, domain: 'apps.nemo.eu' },
      );
      const broken = structuredClone(ingresses[0]) as unknown as {
        spec: { rules: Array<{ http: { paths: Array<{ pathType: string }> } }> };
      };
      broken.spec.rules[0].http.paths[0].pathType = 'Glob';
      const [result] = await validateAgainstKubernetesSchema([broken]);
      expect(result.errors).toMatch(/pathType/);
    });
  });

  it('uses the default values of the chart when none are given', async () => {
    const { manifests } = await renderLocal(chartPath, input({ namespace: undefined }));
    expect(manifests).toEqual(await helmTemplate(chartPath, input({ namespace: undefined })));
    expect((manifests[0] as unknown as { data: { message: string } }).data.message).toBe(
      SHOP_VALUES.message,
    );
  });
});
