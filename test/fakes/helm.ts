import { Helm, HelmLintResult, HelmRenderOptions } from '../../src/infra/helm/helm.port';

/** A helm, real or fake, counting the processes it is asked to start. */
export class CountingHelm implements Helm {
  readonly calls: Array<'lint' | 'template'> = [];

  /** `events` gets "template done" as each render settles (to order it against other work). */
  constructor(
    private readonly inner: Helm,
    private readonly events: string[] = [],
  ) {}

  build(): Promise<string | undefined> {
    return this.inner.build();
  }

  lint(chartPath: string): Promise<HelmLintResult> {
    this.calls.push('lint');
    return this.inner.lint(chartPath);
  }

  async template(chartPath: string, options: HelmRenderOptions): Promise<string> {
    this.calls.push('template');
    try {
      return await this.inner.template(chartPath, options);
    } finally {
      this.events.push('template done');
    }
  }
}

/**
 * A helm answering what the test says, when the test says: each answer is a function called when
 * helm would run, so a test orders lint against render (or fails either). Notes every chart path
 * it was given, so a test can check the package files are gone afterwards.
 */
export class ScriptedHelm implements Helm {
  lintAnswer: () => Promise<HelmLintResult> = async () => ({ ok: true, messages: '' });
  templateAnswer: () => Promise<string> = async () => '';
  readonly chartPaths: string[] = [];

  build(): Promise<string | undefined> {
    return Promise.resolve('scripted-helm');
  }

  lint(chartPath: string): Promise<HelmLintResult> {
    this.chartPaths.push(chartPath);
    return this.lintAnswer();
  }

  template(chartPath: string): Promise<string> {
    this.chartPaths.push(chartPath);
    return this.templateAnswer();
  }
}

/** What `helm template` prints for a chart whose one Deployment runs `images`. */
export function renderedWith(images: string[]): string {
  const containers = images.map((image, i) => `        - name: c${i}\n          image: ${image}`);
  return [
    '---',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: fake',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    ...containers,
    '',
  ].join('\n');
}
