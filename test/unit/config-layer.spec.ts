import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const src = join(__dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The files of src/ a file imports, as paths relative to src/ without the extension. */
function localImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/from '(\.[^']+)'/g)].map((match) =>
    relative(src, resolve(dirname(file), match[1])),
  );
}

describe('the configuration is the ground floor', () => {
  it('src/config imports nothing from src/ but itself and pure common files', () => {
    const outside = sourceFiles(join(src, 'config')).flatMap((file) =>
      localImports(file)
        .filter((target) => !target.startsWith('config/'))
        .map((target) => `${relative(src, file)} → ${target}`),
    );
    expect(outside).toEqual(['config/setting-decorators.ts → common/egress/egress-policy']);
    expect(localImports(join(src, 'common', 'egress', 'egress-policy.ts'))).toEqual([]);
  });

  it('the S3 credentials slice is imported by the S3 adapter module only', () => {
    const readers = sourceFiles(src)
      .filter((file) => localImports(file).includes('config/slices/s3-credentials.config'))
      .map((file) => relative(src, file));
    expect(readers.sort()).toEqual(['config/config-slices.ts', 'infra/s3/s3.module.ts']);
  });
});
