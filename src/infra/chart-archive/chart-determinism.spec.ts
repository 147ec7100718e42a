import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { create } from 'tar';
import { chartNonDeterminism, nonDeterministicCalls } from './chart-determinism';

async function packChart(files: Record<string, string | Buffer>): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'determinism-'));
  try {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    const archive = join(dir, 'chart.tgz');
    await create(
      { gzip: true, cwd: dir, file: archive, portable: true },
      Object.keys(files)
        .map((path) => path.split('/')[0])
        .filter((v, i, a) => a.indexOf(v) === i),
    );
    return await readFile(archive);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const CHART_YAML = 'apiVersion: v2\nname: web\nversion: 0.1.0\n';

describe('nonDeterministicCalls', () => {
  it.each([
    ['{{ randAlphaNum 16 | b64enc }}', ['randAlphaNum']],
    [
      '{{- $ca := genCA "x" 365 }}{{ genSignedCert "a" nil nil 365 $ca }}',
      ['genCA', 'genSignedCert'],
    ],
    ['{{ now | date "2006" }} {{ uuidv4 }}', ['now', 'uuidv4']],
    ['{{ htpasswd "u" "p" }}', ['htpasswd']],
  ])('finds the calls in %p', (template, calls) => {
    expect(nonDeterministicCalls(template).sort()).toEqual(calls.sort());
  });

  it('ignores words outside template actions and deterministic functions', () => {
    expect(
      nonDeterministicCalls('# now we render {{ .Values.name | sha256sum }} {{ include "x" . }}'),
    ).toEqual([]);
    expect(nonDeterministicCalls('{{ .Values.random }} {{ .Values.nowhere }}')).toEqual([]);
  });
});

describe('chartNonDeterminism', () => {
  it('finds nothing in a deterministic chart', async () => {
    const archive = await packChart({
      'web/Chart.yaml': CHART_YAML,
      'web/values.yaml': 'password: now\n',
      'web/templates/cm.yaml': 'kind: ConfigMap\ndata:\n  a: {{ .Values.password | quote }}\n',
    });
    expect(await chartNonDeterminism(archive)).toEqual([]);
  });

  it('finds calls in templates, helpers and unpacked subcharts', async () => {
    const archive = await packChart({
      'web/Chart.yaml': CHART_YAML,
      'web/templates/_helpers.tpl': '{{- define "pw" -}}{{ randAlphaNum 12 }}{{- end }}',
      'web/charts/db/templates/secret.yaml': 'data: {{ genPrivateKey "rsa" }}',
    });
    expect(await chartNonDeterminism(archive)).toEqual(['genPrivateKey', 'randAlphaNum']);
  });

  it('looks inside packed subcharts', async () => {
    const subchart = await packChart({
      'db/Chart.yaml': CHART_YAML.replace('web', 'db'),
      'db/templates/secret.yaml': 'data: {{ uuidv4 }}',
    });
    const archive = await packChart({
      'web/Chart.yaml': CHART_YAML,
      'web/charts/db-0.1.0.tgz': subchart,
    });
    expect(await chartNonDeterminism(archive)).toEqual(['uuidv4']);
  });

  it('treats an unreadable archive as an error for the caller', async () => {
    await expect(chartNonDeterminism(Buffer.from('not gzip'))).rejects.toThrow();
  });
});
