import { dump } from 'js-yaml';
import { collectImages, RenderedYamlError } from './image-collector';

const podSpec = (prefix: string) => ({
  initContainers: [{ name: 'init', image: `${prefix}-init:1` }],
  containers: [{ name: 'main', image: `${prefix}-main:1` }],
  ephemeralContainers: [{ name: 'debug', image: `${prefix}-debug:1` }],
});

const yamlOf = (...documents: unknown[]): string =>
  documents
    .map((document) => `---\n# Source: chart/templates/x.yaml\n${dump(document)}`)
    .join('\n');

const imagesOf = (prefix: string): string[] => [
  `${prefix}-init:1`,
  `${prefix}-main:1`,
  `${prefix}-debug:1`,
];

describe('collectImages', () => {
  it('reads a Pod: init, regular and ephemeral containers', () => {
    expect(collectImages(yamlOf({ apiVersion: 'v1', kind: 'Pod', spec: podSpec('pod') }))).toEqual(
      imagesOf('pod'),
    );
  });

  it.each(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job'])(
    'reads the pod template of a %s',
    (kind) => {
      const document = {
        apiVersion: 'apps/v1',
        kind,
        spec: { template: { spec: podSpec(kind.toLowerCase()) } },
      };
      expect(collectImages(yamlOf(document))).toEqual(imagesOf(kind.toLowerCase()));
    },
  );

  it('reads a CronJob through its jobTemplate', () => {
    const cron = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      spec: {
        schedule: '* * * * *',
        jobTemplate: { spec: { template: { spec: podSpec('cron') } } },
      },
    };
    expect(collectImages(yamlOf(cron))).toEqual(imagesOf('cron'));
  });

  it('reads hook templates, which helm template renders unless --no-hooks', () => {
    const hook = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate', annotations: { 'helm.sh/hook': 'pre-install,pre-upgrade' } },
      spec: { template: { spec: podSpec('hook') } },
    };
    expect(collectImages(yamlOf(hook))).toEqual(imagesOf('hook'));
  });

  it('reads a PodTemplate and the items of a List', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'PodTemplate', template: { spec: podSpec('tpl') } },
        { apiVersion: 'v1', kind: 'Pod', spec: podSpec('item') },
      ],
    };
    expect(collectImages(yamlOf(list))).toEqual([...imagesOf('tpl'), ...imagesOf('item')]);
  });

  it('lists each image once across documents, in order of appearance', () => {
    const a = {
      kind: 'Pod',
      spec: {
        containers: [
          { name: 'a', image: 'x:1' },
          { name: 'b', image: 'y:1' },
        ],
      },
    };
    const b = {
      kind: 'Job',
      spec: { template: { spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
    };
    expect(collectImages(yamlOf(a, b))).toEqual(['x:1', 'y:1']);
  });

  it('ignores objects without pod specs, empty documents and blank images', () => {
    const text = `---\n# only a comment\n---\n${dump({ kind: 'ConfigMap', data: { image: 'not-a-container:1' } })}---\n${dump(
      {
        kind: 'Pod',
        spec: { containers: [{ name: 'a', image: '  ' }, { name: 'b' }] },
      },
    )}`;
    expect(collectImages(text)).toEqual([]);
  });

  it('keeps YAML 1.1-looking strings as text', () => {
    const text = 'kind: Pod\nspec:\n  containers:\n    - name: a\n      image: "on"\n';
    expect(collectImages(text)).toEqual(['on']);
  });

  it('refuses text that is not YAML', () => {
    expect(() => collectImages('kind: Pod\n  spec: [\n')).toThrow(RenderedYamlError);
  });
});
