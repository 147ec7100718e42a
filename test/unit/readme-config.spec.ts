import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** Every setting of every configuration slice, taken from their source so a new one cannot go undocumented. */
function configVariables(): string[] {
  const dir = join(root, 'src', 'config', 'slices');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.config.ts'))
    .flatMap((file) => {
      const source = readFileSync(join(dir, file), 'utf8');
      return [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+)[!?]?(?::|\s=)/gm)].map(
        (match) => match[1],
      );
    });
}

describe('README configuration table', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('reads the slices', () => expect(configVariables().length).toBeGreaterThan(100));

  it.each(configVariables())('documents %s', (name) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
  });
});
