import { UnprocessableError } from '../../common/errors/domain-error';
import { KubernetesManifest } from '../../common/kubernetes-manifest';
import {
  ImageMirror,
  imageLockOf,
  normalizeImageReference,
  pinnedReference,
  podSpecsOf,
  rewriteImages,
} from './image-rewrite';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const MIRRORS: ImageMirror[] = [
  { source: 'nginx:1.25', mirrored: `registry.nemo:5000/nemo/nginx@${DIGEST}`, digest: DIGEST },
  {
    source: 'ghcr.io/acme/sidecar:2',
    mirrored: 'registry.nemo:5000/nemo/acme/sidecar:2',
    digest: `sha256:${'b'.repeat(64)}`,
  },
  {
    source: 'busybox',
    mirrored: 'registry.nemo:5000/nemo/busybox:latest',
    digest: `sha256:${'c'.repeat(64)}`,
  },
];

const podSpec = (image = 'nginx:1.25') => ({
  initContainers: [{ name: 'init', image: 'busybox' }],
  containers: [
    { name: 'app', image },
    { name: 'side', image: 'ghcr.io/acme/sidecar:2' },
  ],
  ephemeralContainers: [{ name: 'debug', image: 'docker.io/library/busybox:latest' }],
});

const workload = (kind: string, apiVersion = 'apps/v1'): KubernetesManifest => ({
  apiVersion,
  kind,
  metadata: { name: 'w' },
  spec: { template: { spec: podSpec() } },
});

const EXPECTED_SPEC = {
  initContainers: [{ name: 'init', image: 'registry.nemo:5000/nemo/busybox:latest' }],
  containers: [
    { name: 'app', image: `registry.nemo:5000/nemo/nginx@${DIGEST}` },
    { name: 'side', image: 'registry.nemo:5000/nemo/acme/sidecar:2' },
  ],
  ephemeralContainers: [{ name: 'debug', image: 'registry.nemo:5000/nemo/busybox:latest' }],
};

describe('normalizeImageReference', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.25', 'docker.io/library/nginx:1.25'],
    ['library/nginx:1.25', 'docker.io/library/nginx:1.25'],
    ['index.docker.io/library/nginx:1.25', 'docker.io/library/nginx:1.25'],
    ['bitnami/redis:7', 'docker.io/bitnami/redis:7'],
    ['ghcr.io/acme/app', 'ghcr.io/acme/app:latest'],
    ['localhost/app:1', 'localhost/app:1'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest'],
    ['127.0.0.1:5000/team/app:1.0', '127.0.0.1:5000/team/app:1.0'],
    [`nginx@${DIGEST}`, `docker.io/library/nginx@${DIGEST}`],
    [`nginx:1.25@${DIGEST}`, `docker.io/library/nginx:1.25@${DIGEST}`],
  ])('%s → %s', (reference, normalized) => {
    expect(normalizeImageReference(reference)).toBe(normalized);
  });
});

const TAGS = { pinDigests: false };
const PINS = { pinDigests: true };

describe('rewriteImages (RENDER_PIN_DIGESTS=false: mirror tags)', () => {
  it.each(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'])(
    'rewrites containers, initContainers and ephemeralContainers of a %s',
    (kind) => {
      const { manifests } = rewriteImages([workload(kind)], MIRRORS, TAGS);
      expect((manifests[0].spec as { template: { spec: unknown } }).template.spec).toEqual(
        EXPECTED_SPEC,
      );
    },
  );

  it('rewrites a Job, a ReplicationController and a custom kind with a pod template', () => {
    const { manifests } = rewriteImages(
      [
        workload('Job', 'batch/v1'),
        workload('ReplicationController', 'v1'),
        workload('Rollout', 'argoproj.io/v1alpha1'),
      ],
      MIRRORS,
      TAGS,
    );
    for (const manifest of manifests) {
      expect((manifest.spec as { template: { spec: unknown } }).template.spec).toEqual(
        EXPECTED_SPEC,
      );
    }
  });

  it('rewrites a CronJob through spec.jobTemplate.spec.template', () => {
    const cronJob: KubernetesManifest = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly' },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: podSpec() } } } },
    };
    const { manifests } = rewriteImages([cronJob], MIRRORS, TAGS);
    expect(manifests[0]).toEqual({
      ...cronJob,
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: EXPECTED_SPEC } } } },
    });
  });

  it('rewrites a bare Pod and a PodTemplate', () => {
    const pod: KubernetesManifest = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: podSpec(),
    };
    const template: KubernetesManifest = {
      apiVersion: 'v1',
      kind: 'PodTemplate',
      metadata: { name: 't' },
      template: { spec: podSpec() },
    };
    const { manifests } = rewriteImages([pod, template], MIRRORS, TAGS);
    expect(manifests[0].spec).toEqual(EXPECTED_SPEC);
    expect((manifests[1].template as { spec: unknown }).spec).toEqual(EXPECTED_SPEC);
  });

  it('rewrites the items of a List', () => {
    const list: KubernetesManifest = {
      apiVersion: 'v1',
      kind: 'List',
      items: [workload('Deployment'), workload('DaemonSet')],
    };
    const { manifests } = rewriteImages([list], MIRRORS, TAGS);
    for (const item of manifests[0].items as KubernetesManifest[]) {
      expect((item.spec as { template: { spec: unknown } }).template.spec).toEqual(EXPECTED_SPEC);
    }
  });

  it('reports each rewrite and leaves objects without pods untouched', () => {
    const configMap: KubernetesManifest = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { image: 'nginx' },
    };
    const { manifests, rewrites } = rewriteImages(
      [configMap, workload('Deployment')],
      MIRRORS,
      TAGS,
    );
    expect(manifests[0]).toEqual(configMap);
    expect(rewrites).toEqual([
      {
        object: 'Deployment/w',
        container: 'app',
        from: 'nginx:1.25',
        to: `registry.nemo:5000/nemo/nginx@${DIGEST}`,
      },
      {
        object: 'Deployment/w',
        container: 'side',
        from: 'ghcr.io/acme/sidecar:2',
        to: 'registry.nemo:5000/nemo/acme/sidecar:2',
      },
      {
        object: 'Deployment/w',
        container: 'init',
        from: 'busybox',
        to: 'registry.nemo:5000/nemo/busybox:latest',
      },
      {
        object: 'Deployment/w',
        container: 'debug',
        from: 'docker.io/library/busybox:latest',
        to: 'registry.nemo:5000/nemo/busybox:latest',
      },
    ]);
  });

  it('matches an image pinned by the onboarded digest', () => {
    const { manifests } = rewriteImages(
      [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p' },
          spec: { containers: [{ name: 'a', image: `nginx@${DIGEST}` }] },
        },
      ],
      MIRRORS,
      TAGS,
    );
    expect(manifests[0].spec).toEqual({
      containers: [{ name: 'a', image: `registry.nemo:5000/nemo/nginx@${DIGEST}` }],
    });
  });

  it('keeps an image that already points at the mirror', () => {
    const image = 'registry.nemo:5000/nemo/acme/sidecar:2';
    const { manifests, rewrites } = rewriteImages(
      [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p' },
          spec: { containers: [{ name: 'a', image }] },
        },
      ],
      MIRRORS,
      TAGS,
    );
    expect(manifests[0].spec).toEqual({ containers: [{ name: 'a', image }] });
    expect(rewrites).toEqual([]);
  });

  it('does not change its input', () => {
    const input = [workload('Deployment')];
    const before = JSON.stringify(input);
    rewriteImages(input, MIRRORS, TAGS);
    expect(JSON.stringify(input)).toBe(before);
  });

  it('refuses an image that was not mirrored at onboarding, naming the object and container', () => {
    const deployment = {
      ...workload('Deployment'),
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'app', image: 'nginx:1.26' },
              { name: 'x', image: 'redis' },
            ],
          },
        },
      },
    };
    let error: unknown;
    try {
      rewriteImages([deployment], MIRRORS, TAGS);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error).toMatchObject({
      status: 422,
      code: 'image_not_mirrored',
      errors: [
        {
          field: 'Deployment/w.containers[app].image',
          reason: 'nginx:1.26 was not mirrored when the workload document was onboarded',
        },
        {
          field: 'Deployment/w.containers[x].image',
          reason: 'redis was not mirrored when the workload document was onboarded',
        },
      ],
    });
  });

  it('finds no pod spec where there is none', () => {
    expect(
      podSpecsOf({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 's' },
        spec: { ports: [] },
      }),
    ).toEqual([]);
  });
});

describe('rewriteImages (RENDER_PIN_DIGESTS=true: pinned to the onboarded digest)', () => {
  const B = `sha256:${'b'.repeat(64)}`;
  const C = `sha256:${'c'.repeat(64)}`;
  const PINNED_SPEC = {
    initContainers: [{ name: 'init', image: `registry.nemo:5000/nemo/busybox@${C}` }],
    containers: [
      { name: 'app', image: `registry.nemo:5000/nemo/nginx@${DIGEST}` },
      { name: 'side', image: `registry.nemo:5000/nemo/acme/sidecar@${B}` },
    ],
    ephemeralContainers: [{ name: 'debug', image: `registry.nemo:5000/nemo/busybox@${C}` }],
  };
  const cronJob: KubernetesManifest = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly' },
    spec: { jobTemplate: { spec: { template: { spec: podSpec() } } } },
  };
  const pod: KubernetesManifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: podSpec(),
  };

  it.each([
    'Deployment',
    'StatefulSet',
    'DaemonSet',
    'ReplicaSet',
    'Job',
    'ReplicationController',
    'Rollout',
  ])('pins every container list of a %s', (kind) => {
    const { manifests } = rewriteImages([workload(kind)], MIRRORS, PINS);
    expect((manifests[0].spec as { template: { spec: unknown } }).template.spec).toEqual(
      PINNED_SPEC,
    );
  });

  it('pins a CronJob’s job template and a bare Pod', () => {
    const { manifests } = rewriteImages([cronJob, pod], MIRRORS, PINS);
    expect(manifests[0].spec).toEqual({
      jobTemplate: { spec: { template: { spec: PINNED_SPEC } } },
    });
    expect(manifests[1].spec).toEqual(PINNED_SPEC);
  });

  it('pins an image that already names the mirror by tag, and keeps one already pinned', () => {
    const images = [
      'registry.nemo:5000/nemo/acme/sidecar:2',
      `registry.nemo:5000/nemo/busybox@${C}`,
    ];
    const { manifests } = rewriteImages(
      [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p' },
          spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
        },
      ],
      MIRRORS,
      PINS,
    );
    expect(manifests[0].spec).toEqual({
      containers: [
        { name: 'c0', image: `registry.nemo:5000/nemo/acme/sidecar@${B}` },
        { name: 'c1', image: `registry.nemo:5000/nemo/busybox@${C}` },
      ],
    });
  });

  it('answers the image lock: one line per source image, in order of first use', () => {
    const { lock } = rewriteImages([workload('Deployment'), cronJob], MIRRORS, PINS);
    expect(lock).toEqual([
      {
        source: 'nginx:1.25',
        reference: `registry.nemo:5000/nemo/nginx@${DIGEST}`,
        digest: DIGEST,
      },
      {
        source: 'ghcr.io/acme/sidecar:2',
        reference: `registry.nemo:5000/nemo/acme/sidecar@${B}`,
        digest: B,
      },
      { source: 'busybox', reference: `registry.nemo:5000/nemo/busybox@${C}`, digest: C },
    ]);
    expect(rewriteImages([pod], MIRRORS, TAGS).lock.map((line) => line.reference)).toEqual([
      `registry.nemo:5000/nemo/nginx@${DIGEST}`,
      'registry.nemo:5000/nemo/acme/sidecar:2',
      'registry.nemo:5000/nemo/busybox:latest',
    ]);
  });

  it('traces the lock of manifests rendered before (a rollback) back to their mirrors', () => {
    const { manifests, lock } = rewriteImages([workload('Deployment')], MIRRORS, PINS);
    expect(imageLockOf(manifests, MIRRORS)).toEqual(lock);
    const tagged = rewriteImages([workload('Deployment')], MIRRORS, TAGS);
    expect(imageLockOf(tagged.manifests, MIRRORS)).toEqual(tagged.lock);
  });

  it('pins on the repository of the mirror, whatever its tag or registry port', () => {
    expect(
      pinnedReference({ source: 'x', mirrored: 'localhost:5000/m/x:1.0', digest: DIGEST }),
    ).toBe(`localhost:5000/m/x@${DIGEST}`);
    expect(pinnedReference({ source: 'x', mirrored: `r.eu/m/x@${B}`, digest: B })).toBe(
      `r.eu/m/x@${B}`,
    );
  });
});
