import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { create } from 'tar';
import { readChartArchive } from './chart-archive';
import { nonDeterministicCalls, TemplateScanner } from './chart-determinism';

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
const LIMITS = { maxEntries: 100, maxUnpackedBytes: 64 * 1024 * 1024 };
const chartCalls = async (archive: Buffer) =>
  (await readChartArchive(archive, LIMITS)).nonDeterministic;

describe('nonDeterministicCalls', () => {
  it.each([
    ['{{ randAlphaNum 16 | b64enc }}', ['randAlphaNum']],
    [
      '{{- $ca := genCA "x" 365 }}{{ genSignedCert "a" nil nil 365 $ca }}',
      ['genCA', 'genSignedCert'],
    ],
    ['{{ now | date "2006" }} {{ uuidv4 }}', ['now', 'uuidv4']],
    ['{{ htpasswd "u" "p" }}', ['htpasswd']],
    ['{{now}}', ['now']],
    ['{{ "}}" | now }}', ['now']],
    ['{{ `}}` | now }} {{ \'}\' }}{{ shuffle "x" }}', ['now', 'shuffle']],
    ['{{ "a\\"}}" | bcrypt }}', ['bcrypt']],
    ['{{ tpl "{{ now }}" . }}', ['now']],
  ])('finds the calls in %p', (template, calls) => {
    expect(nonDeterministicCalls(template).sort()).toEqual(calls.sort());
  });

  it('ignores words outside template actions, in comments, fields, variables and lookalikes', () => {
    expect(
      nonDeterministicCalls('# now we render {{ .Values.name | sha256sum }} {{ include "x" . }}'),
    ).toEqual([]);
    expect(nonDeterministicCalls('{{ .Values.random }} {{ .Values.nowhere }} {{ $now }}')).toEqual(
      [],
    );
    expect(nonDeterministicCalls('{{/* now uuidv4 }} */}} {{ rand_x }} {{ nowish }}')).toEqual([]);
    expect(nonDeterministicCalls('}} now {{ .x }} uuidv4 }}')).toEqual([]);
  });

  it('finds the same calls however the text is cut into chunks', () => {
    const template =
      '{{- define "x" }}{{ randAlphaNum 3 }}{{ end }} {{ .now }} {{ "}}" | uuidv4 }}';
    const whole = nonDeterministicCalls(template).sort();
    for (const size of [1, 2, 3, 7]) {
      const scanner = new TemplateScanner();
      const bytes = Buffer.from(template);
      for (let i = 0; i < bytes.length; i += size) scanner.write(bytes.subarray(i, i + size));
      scanner.end();
      expect([...scanner.calls].sort()).toEqual(whole);
    }
    expect(whole).toEqual(['randAlphaNum', 'uuidv4']);
  });

  it('notes a call of tpl, which renders strings as templates', () => {
    const scanner = new TemplateScanner();
    scanner.write(Buffer.from('{{ tpl .Values.x . }} {{ .tpl }}'));
    scanner.end();
    expect(scanner.usesTpl).toBe(true);
  });

  it('is linear: megabytes of unclosed {{ runs and long words take milliseconds', () => {
    // The former regex /\{\{[\s\S]*?\}\}/ took seconds on a few hundred KB of this.
    for (const text of ['{{'.repeat(2 * 1024 * 1024), `{{ ${'a'.repeat(4 * 1024 * 1024)}`]) {
      const started = process.hrtime.bigint();
      expect(nonDeterministicCalls(text)).toEqual([]);
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
    }
  });
});

describe('non-determinism of a chart package (readChartArchive)', () => {
  it('finds nothing in a deterministic chart', async () => {
    const archive = await packChart({
      'web/Chart.yaml': CHART_YAML,
      'web/values.yaml': 'password: now\n',
      'web/templates/cm.yaml': 'kind: ConfigMap\ndata:\n  a: {{ .Values.password | quote }}\n',
    });
    expect(await chartCalls(archive)).toEqual([]);
  });

  it('finds calls in templates, helpers and unpacked subcharts', async () => {
    const archive = await packChart({
      'web/Chart.yaml': CHART_YAML,
      'web/templates/_helpers.tpl': '{{- define "pw" -}}{{ randAlphaNum 12 }}{{- end }}',
      'web/charts/db/Chart.yaml': CHART_YAML.replace('web', 'db'),
      'web/charts/db/templates/secret.yaml': 'data: {{ genPrivateKey "rsa" }}',
    });
    expect(await chartCalls(archive)).toEqual(['genPrivateKey', 'randAlphaNum']);
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
    expect(await chartCalls(archive)).toEqual(['uuidv4']);
  });

  it('ignores files helm does not read as templates, unless a template calls tpl', async () => {
    const files = {
      'web/Chart.yaml': CHART_YAML,
      'web/files/templates/x.yaml': '{{ randAlphaNum 5 }}',
      'web/templates/charts/y.yaml': 'a: 1',
      'web/charts/_skipped/templates/z.yaml': '{{ now }}',
      'web/templates/cm.yaml': 'a: {{ .Values.a }}',
    };
    expect(await chartCalls(await packChart(files))).toEqual([]);
    const withTpl = { ...files, 'web/templates/cm.yaml': 'a: {{ tpl (.Files.Get "f") . }}' };
    expect(await chartCalls(await packChart(withTpl))).toEqual(['now', 'randAlphaNum']);
  });
});
