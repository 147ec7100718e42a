import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_ENV, API_NODE_FLAGS } from '../../bench/processes';

/**
 * The api's V8 flags and environment (API_ENV) are written in four launchers; the benchmarks
 * measure API_NODE_FLAGS and API_ENV as "production's", so each launcher must start node with
 * exactly those.
 */
const root = join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

/** The flags between `node` and `dist/src/main.js` of one command line. */
function flagsOf(command: string): string[] {
  const match = /\bnode\s+(.*?)\s*dist\/src\/main\.js/.exec(command);
  if (!match) throw new Error(`no node command in: ${command}`);
  return match[1].split(/\s+/).filter(Boolean);
}

describe('node flags of the api', () => {
  it('the Dockerfile ENTRYPOINT', () => {
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(read('Dockerfile'));
    const argv = JSON.parse(entrypoint?.[1] ?? '[]') as string[];
    expect(argv.slice(1, argv.indexOf('dist/src/main.js'))).toEqual(API_NODE_FLAGS);
  });

  it.each(['start', 'start:api', 'start:worker'])('package.json %s', (script) => {
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(flagsOf(scripts[script])).toEqual(API_NODE_FLAGS);
  });

  it('npm run dev', () => {
    const flags = /^node_flags=\((.*)\)$/m.exec(read('scripts/dev.sh'));
    expect(flags?.[1].split(/\s+/)).toEqual(API_NODE_FLAGS);
  });
});

describe('environment of the api', () => {
  const settings = Object.entries(API_ENV);

  it.each(settings)('the Dockerfile sets %s=%s', (name, value) => {
    expect(read('Dockerfile')).toMatch(new RegExp(`^ENV ${name}=${value}$`, 'm'));
  });

  it.each(['start', 'start:api', 'start:worker'])('package.json %s', (script) => {
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    for (const [name, value] of settings) expect(scripts[script]).toMatch(`${name}=${value} node `);
  });

  it.each(settings)('npm run dev exports %s=%s', (name, value) => {
    expect(read('scripts/dev.sh')).toMatch(new RegExp(`^export ${name}=${value}$`, 'm'));
  });
});
