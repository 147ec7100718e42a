import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelmCli } from '../../../src/infra/helm/helm.cli';
import { HelmError } from '../../../src/infra/helm/helm.port';
import { goodChart, packChart } from '../../support/charts';
import { ConfigSlices } from '../../../src/config/config-slices';
import { testConfig } from './support';

const helmCli = (config: ConfigSlices): HelmCli => new HelmCli(config.helm, config.workDir);

describe('HelmCli (the real helm binary)', () => {
  let work: string;
  let helm: HelmCli;
  const file = async (name: string, bytes: Buffer): Promise<string> => {
    const path = join(work, name);
    await writeFile(path, bytes);
    return path;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nemo-helm-'));
    helm = helmCli(await testConfig({ workDir: { WORK_DIR: work } }));
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('lints a good package and renders it with a values file and a namespace', async () => {
    const path = await file(
      'good.tgz',
      goodChart({ app: 'a/app:1', init: 'a/init:1', cron: 'a/cron:1' }),
    );
    expect(await helm.lint(path)).toEqual({
      ok: true,
      messages: expect.stringContaining('[INFO]'),
    });
    const yaml = await helm.template(path, {
      releaseName: 'rel',
      namespace: 'team-a',
      valuesYaml: 'images:\n  app: "b/app:2 --set x=y"\nreplicaCount: 3\n',
    });
    expect(yaml).toContain('name: rel-app');
    expect(yaml).toContain('image: "b/app:2 --set x=y"');
    expect(yaml).toContain('replicas: 3');
  });

  it('reports lint findings without its banner', async () => {
    const result = await helm.lint(await file('lint.tgz', packChart('lint-error')));
    expect(result.ok).toBe(false);
    expect(result.messages).toMatch(/\[ERROR\] Chart.yaml: invalid icon URL/);
    expect(result.messages).not.toMatch(/==> Linting|chart\(s\) linted/);
  });

  it('rejects a failing render with HelmError carrying helm stderr', async () => {
    const path = await file('tpl.tgz', packChart('template-error'));
    expect((await helm.lint(path)).ok).toBe(true);
    const error = await helm
      .template(path, { releaseName: 'r' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HelmError);
    expect((error as Error).message).toMatch(/values.tag is required to render this chart/);
  });

  it('stops helm at the output cap and at the timeout', async () => {
    const path = await file('good2.tgz', goodChart({ app: 'a:1', init: 'b:1', cron: 'c:1' }));
    const tiny = helmCli(
      await testConfig({
        workDir: { WORK_DIR: work },
        helm: { HELM_MAX_OUTPUT_BYTES: String(64 * 1024) },
      }),
    );
    const big = `replicaCount: 1\npadding: "${'x'.repeat(100 * 1024)}"\nimages:\n  app: "{{ .Values.padding }}"\n`;
    const render = tiny.template(path, {
      releaseName: 'r',
      valuesYaml: big.replace('{{ .Values.padding }}', 'x'.repeat(80 * 1024)),
    });
    await expect(render).rejects.toThrow(/printed more than 65536 bytes/);
    const sleeper = join(work, 'slow-helm');
    await writeFile(sleeper, '#!/bin/sh\nsleep 5\n', { mode: 0o755 });
    const slow = helmCli(
      await testConfig({
        workDir: { WORK_DIR: work },
        helm: { HELM_TIMEOUT_MS: '1000', HELM_BIN: sleeper },
      }),
    );
    await expect(slow.lint(path)).rejects.toThrow(/did not finish within 1000 ms/);
  });
});
