import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Benchmarks never touch a developer's running state (issue 14 item 6): `npm run bench:relay`
 * once rewrote `.local/dev-token` and read the developer's broker queues while `npm run dev` ran.
 * Every benchmark that boots the service in dev-auth mode must give it its own token file and its
 * own broker vhost — through benchServices/prepareBenchServices (bench/support.ts), or by setting
 * both itself.
 */
const BENCH = join(__dirname, '..', '..', 'bench');
const files = readdirSync(BENCH).filter((file) => file.endsWith('.ts') && file !== 'support.ts');
const bootsDevAuth = (source: string): boolean => /AUTH_MODE\s*(\?\?=|:|=)\s*'dev'/.test(source);
const isolated = (source: string): boolean =>
  /\b(benchServices|prepareBenchServices)\(/.test(source) ||
  (/AUTH_DEV_TOKEN_FILE/.test(source) && /RABBITMQ_URL/.test(source));

describe('benchmarks keep to their own state', () => {
  it.each(files)('%s runs dev auth only with its own token file and broker vhost', (file) => {
    const source = readFileSync(join(BENCH, file), 'utf8');
    if (bootsDevAuth(source))
      expect({ file, isolated: isolated(source) }).toEqual({ file, isolated: true });
  });

  it('benchServices names a token file and vhost of its own, never .local/dev-token', () => {
    const support = readFileSync(join(BENCH, 'support.ts'), 'utf8');
    expect(support).toMatch(/AUTH_DEV_TOKEN_FILE: join\(tmpdir\(\), `\$\{slug\}-dev-token`\)/);
    expect(support).toMatch(/rabbitmqUrl\.pathname = `\/\$\{slug\}`/);
    expect(support).not.toMatch(/\.local\/dev-token/);
  });
});
