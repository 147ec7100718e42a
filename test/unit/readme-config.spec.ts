import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** Every setting AppConfig reads, taken from its source so a new one cannot go undocumented. */
function configVariables(): string[] {
  const source = readFileSync(join(root, 'src', 'config', 'app-config.ts'), 'utf8');
  return [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+)[!?]?(?::|\s=)/gm)].map((match) => match[1]);
}

describe('README configuration table', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it.each(configVariables())('documents %s', (name) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
  });
});
