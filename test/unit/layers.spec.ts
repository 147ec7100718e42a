import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { preProcessFile } from 'typescript';

/**
 * The layering of src/, read from every import (TypeScript's own pre-processor, so type-only and
 * dynamic imports count too). The ground floor (`contract/`, `common/`, `config/`, `infra/`,
 * `database/`) never imports a feature module, each floor imports only floors below it, and no
 * feature module imports another one's entities, stores or repositories: it calls that module's
 * service. Specs are exempt (a test may reach anywhere); `app.module.ts` and `main.ts` compose
 * the whole and sit above everything.
 */
const SRC = resolve(__dirname, '..', '..', 'src');

/** The ground floor, lowest first; a folder may import its own floor and the ones before it. */
const FLOORS: readonly (readonly string[])[] = [
  ['contract'],
  ['common'],
  ['config'],
  ['infra', 'database'],
];
const COMPOSITION_ROOTS = new Set(['app.module.ts', 'main.ts']);
/** What only its own module may import: persistence. */
const PRIVATE_PART = /(^|\/)entities\/|\.store$|\.repository$/;

function floorOf(folder: string): number | undefined {
  const floor = FLOORS.findIndex((folders) => folders.includes(folder));
  return floor === -1 ? undefined : floor;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

interface Edge {
  from: string;
  to: string;
}

function edges(): Edge[] {
  return sourceFiles(SRC).flatMap((file) =>
    preProcessFile(readFileSync(file, 'utf8'), true, true)
      .importedFiles.map(({ fileName }) => fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => ({
        from: relative(SRC, file).split(sep).join('/'),
        to: relative(SRC, resolve(dirname(file), specifier))
          .split(sep)
          .join('/'),
      })),
  );
}

const topFolder = (path: string): string => path.split('/')[0];

/** Why an import breaks the layering, or undefined when it is fine. */
function layeringProblem({ from, to }: Edge): string | undefined {
  if (COMPOSITION_ROOTS.has(from)) return undefined;
  if (to.startsWith('..')) return 'imports from outside src/';
  const [source, target] = [topFolder(from), topFolder(to)];
  if (source === target) return undefined;
  const [sourceFloor, targetFloor] = [floorOf(source), floorOf(target)];
  if (sourceFloor !== undefined && (targetFloor === undefined || targetFloor > sourceFloor))
    return `${source}/ is below ${target}/`;
  if (PRIVATE_PART.test(to)) return `reaches into ${target}'s persistence`;
  return undefined;
}

describe('layering of src/', () => {
  const all = edges();

  it('reads the imports it checks', () => {
    expect(all.length).toBeGreaterThan(500);
    expect(all).toContainEqual({
      from: 'instance/instance.service.ts',
      to: 'intent/intent.service',
    });
  });

  it('has no import from a lower floor to a higher one, nor into another module’s persistence', () => {
    const broken = all
      .map((edge) => ({ ...edge, problem: layeringProblem(edge) }))
      .filter(({ problem }) => problem !== undefined);
    expect(broken).toEqual([]);
  });

  it('lets only the S3 adapter module (and the slice registry) see the S3 credentials', () => {
    const readers = all
      .filter(({ to }) => to === 'config/slices/s3-credentials.config')
      .map(({ from }) => from);
    expect([...new Set(readers)].sort()).toEqual([
      'config/config-slices.ts',
      'infra/s3/s3.module.ts',
    ]);
  });

  it.each([
    [
      { from: 'config/slices/ingress.config.ts', to: 'ingress/host-template' },
      'config/ is below ingress/',
    ],
    [{ from: 'common/http/cors.ts', to: 'config/cors-origins' }, 'common/ is below config/'],
    [{ from: 'common/errors/filter.ts', to: 'database/unavailable' }, 'common/ is below database/'],
    [{ from: 'contract/payloads.ts', to: 'common/kubernetes' }, 'contract/ is below common/'],
    [{ from: 'infra/s3/store.ts', to: 'workload/workload.service' }, 'infra/ is below workload/'],
    [
      { from: 'intent/intent.service.ts', to: 'instance/entities/workload-instance.entity' },
      "reaches into instance's persistence",
    ],
    [
      { from: 'instance/instance.service.ts', to: 'intent/intent.store' },
      "reaches into intent's persistence",
    ],
    [{ from: 'intent/x.ts', to: '../test/fakes/helm' }, 'imports from outside src/'],
  ])('refuses %p: %s', (edge, problem) => {
    expect(layeringProblem(edge)).toBe(problem);
  });

  it.each([
    { from: 'instance/instance.service.ts', to: 'intent/intent.service' },
    { from: 'infra/s3/s3.module.ts', to: 'config/s3.config' },
    { from: 'workload/workload.service.ts', to: 'workload/entities/workload-document.entity' },
    { from: 'app.module.ts', to: 'workload/workload.module' },
  ])('allows %p', (edge) => {
    expect(layeringProblem(edge)).toBeUndefined();
  });
});
