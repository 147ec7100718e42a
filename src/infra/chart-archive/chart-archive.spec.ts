import { gzipSync } from 'node:zlib';
import { goodChart, packChart, tarball, tgz } from '../../../test/support/charts';
import { ChartArchiveError, ChartArchiveLimits, readChartArchive } from './chart-archive';

const LIMITS: ChartArchiveLimits = { maxEntries: 50, maxUnpackedBytes: 64 * 1024 };
const CHART_YAML = 'apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: 1.10\n';
const IMAGES = { app: 'a/app:1', init: 'a/init:1', cron: 'a/cron:1' };

async function refusal(bytes: Buffer, limits = LIMITS): Promise<string> {
  const error = await readChartArchive(bytes, limits).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ChartArchiveError);
  return (error as Error).message;
}

describe('readChartArchive', () => {
  it('reads a packaged chart: root folder, Chart.yaml, counts', async () => {
    const archive = await readChartArchive(goodChart(IMAGES, { version: '2.0.0' }), LIMITS);
    expect(archive.root).toBe('good');
    expect(archive.metadata).toMatchObject({ name: 'good', version: '2.0.0', apiVersion: 'v2' });
    expect(archive.entries).toBeGreaterThanOrEqual(5);
    expect(archive.unpackedBytes).toBeGreaterThan(100);
  });

  it('keeps string fields verbatim (appVersion 1.10 stays "1.10")', async () => {
    const archive = await readChartArchive(
      tgz([{ path: 'demo/Chart.yaml', content: CHART_YAML }]),
      LIMITS,
    );
    expect(archive.metadata.appVersion).toBe('1.10');
  });

  it('accepts folder entries and links that stay inside the chart', async () => {
    const archive = await readChartArchive(
      tgz([
        { path: 'demo/', type: 'Directory' },
        { path: 'demo/Chart.yaml', content: CHART_YAML },
        { path: 'demo/templates/a.yaml', content: 'x: 1' },
        { path: 'demo/templates/b.yaml', type: 'SymbolicLink', linkpath: 'a.yaml' },
        { path: 'demo/c.yaml', type: 'Link', linkpath: 'demo/templates/a.yaml' },
      ]),
      LIMITS,
    );
    expect(archive.entries).toBe(5);
  });

  it.each([
    ['a non-gzip file', Buffer.from('just text, not a chart'), /not a gzip-compressed tar/],
    [
      'gzip of something that is not tar',
      gzipSync(Buffer.from('x'.repeat(2000))),
      /cannot be read/,
    ],
    ['an empty archive', tgz([]), /cannot be read|empty/],
    ['no Chart.yaml', tgz([{ path: 'demo/values.yaml', content: 'a: 1' }]), /no demo\/Chart\.yaml/],
    ['an absolute path', tgz([{ path: '/etc/passwd', content: 'x' }]), /absolute path/],
    [
      'a path with ..',
      tgz([
        { path: 'demo/Chart.yaml', content: CHART_YAML },
        { path: 'demo/../../evil.sh', content: 'x' },
      ]),
      /leaves the chart folder/,
    ],
    [
      'a symlink escaping the chart',
      tgz([
        { path: 'demo/Chart.yaml', content: CHART_YAML },
        { path: 'demo/templates/x', type: 'SymbolicLink', linkpath: '../../../etc/passwd' },
      ]),
      /points outside the chart/,
    ],
    [
      'an absolute symlink',
      tgz([
        { path: 'demo/Chart.yaml', content: CHART_YAML },
        { path: 'demo/x', type: 'SymbolicLink', linkpath: '/etc/passwd' },
      ]),
      /points outside the chart/,
    ],
    [
      'a hard link to another folder',
      tgz([
        { path: 'demo/Chart.yaml', content: CHART_YAML },
        { path: 'demo/x', type: 'Link', linkpath: 'other/secret' },
      ]),
      /points outside the chart/,
    ],
    [
      'a device',
      tgz([
        { path: 'demo/Chart.yaml', content: CHART_YAML },
        { path: 'demo/null', type: 'CharacterDevice' },
      ]),
      /character device/,
    ],
    [
      'two top-level folders',
      tgz([
        { path: 'demo/Chart.yaml', content: CHART_YAML },
        { path: 'other/Chart.yaml', content: CHART_YAML },
      ]),
      /exactly one top-level chart folder/,
    ],
    [
      'a file at the top level',
      tgz([{ path: 'Chart.yaml', content: CHART_YAML }]),
      /outside the chart folder/,
    ],
    [
      'a Chart.yaml without version',
      tgz([{ path: 'demo/Chart.yaml', content: 'name: demo\n' }]),
      /no version/,
    ],
    [
      'a Chart.yaml that is not YAML',
      tgz([{ path: 'demo/Chart.yaml', content: 'name: [demo\n' }]),
      /not valid YAML/,
    ],
  ])('refuses %s', async (_, bytes, reason) => {
    expect(await refusal(bytes)).toMatch(reason);
  });

  it('refuses more entries than the cap', async () => {
    const entries = Array.from({ length: 60 }, (_, i) => ({ path: `demo/f${i}`, content: 'x' }));
    expect(await refusal(tgz(entries))).toMatch(/more than 50 entries/);
  });

  it('refuses a tar bomb: a small package that unpacks past the cap', async () => {
    const bomb = tgz([
      { path: 'demo/Chart.yaml', content: CHART_YAML },
      { path: 'demo/zeros', content: Buffer.alloc(10 * 1024 * 1024) },
    ]);
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(await refusal(bomb)).toMatch(/unpacks to more than 65536 bytes/);
  });

  it('refuses a gzip bomb hidden after the end of the archive', async () => {
    const bomb = gzipSync(
      Buffer.concat([
        tarball([{ path: 'demo/Chart.yaml', content: CHART_YAML }]),
        Buffer.alloc(20 * 1024 * 1024),
      ]),
    );
    expect(await refusal(bomb)).toMatch(/bytes after its end-of-archive marker/);
  });

  describe('subchart archives (charts/*.tgz): same checks, one shared budget', () => {
    const sub = (entries: Parameters<typeof tgz>[0]) =>
      tgz([
        { path: 'demo/Chart.yaml', content: CHART_YAML },
        { path: 'demo/charts/db.tgz', content: tgz(entries) },
      ]);
    const subChart = { path: 'db/Chart.yaml', content: CHART_YAML.replace('demo', 'db') };

    it('refuses a gzip bomb nested in charts/ before helm sees it', async () => {
      const bomb = sub([subChart, { path: 'db/zeros', content: Buffer.alloc(10 * 1024 * 1024) }]);
      expect(bomb.length).toBeLessThan(64 * 1024);
      expect(await refusal(bomb)).toMatch(
        /^demo\/charts\/db\.tgz: the archive unpacks to more than/,
      );
    });

    it('refuses what it refuses in the package: traversal, devices, a missing Chart.yaml', async () => {
      expect(await refusal(sub([subChart, { path: 'db/../../x', content: 'x' }]))).toMatch(
        /leaves the chart/,
      );
      expect(await refusal(sub([subChart, { path: 'db/dev', type: 'CharacterDevice' }]))).toMatch(
        /character device/,
      );
      expect(await refusal(sub([{ path: 'db/values.yaml', content: 'a: 1' }]))).toMatch(
        /no db\/Chart\.yaml/,
      );
    });

    it('counts nested entries against the package cap', async () => {
      const many = Array.from({ length: 48 }, (_, i) => ({ path: `db/f${i}`, content: 'x' }));
      expect(await refusal(sub([subChart, ...many]))).toMatch(/more than 50 entries/);
    });

    it('refuses archives nested deeper than any real chart', async () => {
      let chart = tgz([{ path: 'c5/Chart.yaml', content: CHART_YAML }]);
      for (let level = 4; level >= 0; level -= 1) {
        chart = tgz([
          { path: `c${level}/Chart.yaml`, content: CHART_YAML },
          { path: `c${level}/charts/c${level + 1}.tgz`, content: chart },
        ]);
      }
      expect(await refusal(chart)).toMatch(/nested more than 4 deep/);
    });
  });

  it('refuses a package that takes longer to read than its time budget', async () => {
    const slow = tgz([
      { path: 'demo/Chart.yaml', content: CHART_YAML },
      { path: 'demo/big', content: Buffer.alloc(60 * 1024) },
    ]);
    expect(await refusal(slow, { ...LIMITS, timeoutMs: -1 })).toMatch(/took too long/);
  });

  it('reads the fixture charts that helm will judge later', async () => {
    for (const fixture of ['lint-error', 'template-error']) {
      const archive = await readChartArchive(packChart(fixture), LIMITS);
      expect(archive.metadata.name).toBe(fixture);
    }
  });
});
