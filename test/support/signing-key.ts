import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A throwaway OpenPGP key made by the real gpg (Debian `gnupg`, installed by scripts/services.sh),
 * exported the way helm wants it: a legacy secret keyring for `helm package --sign` and a public
 * keyring for `helm verify` / `helm pull --verify` (and CHART_KEYRING).
 */
export class SigningKey {
  private constructor(
    readonly dir: string,
    readonly uid: string,
    readonly secring: string,
    readonly pubring: string,
    readonly fingerprint: string,
  ) {}

  static async create(uid: string): Promise<SigningKey> {
    const dir = await mkdtemp(join(tmpdir(), 'nemo-gpg-'));
    const home = join(dir, 'gnupg');
    await mkdir(home, { mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: home };
    const gpg = (...args: string[]) =>
      run('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
        env,
        encoding: 'buffer',
        maxBuffer: 16 * 1024 * 1024,
      });
    await gpg('--quick-gen-key', uid, 'rsa2048', 'sign', 'never');
    const secring = join(dir, 'secring.gpg');
    const pubring = join(dir, 'pubring.gpg');
    await writeFile(secring, (await gpg('--export-secret-keys')).stdout);
    await writeFile(pubring, (await gpg('--export')).stdout);
    const listing = (await gpg('--with-colons', '--fingerprint')).stdout.toString();
    const fingerprint = /^fpr:(?:[^:]*:){8}([0-9A-F]+):/m.exec(listing)?.[1] ?? '';
    return new SigningKey(dir, uid, secring, pubring, fingerprint);
  }

  /**
   * `helm package --sign` of a packed chart (unpacked first, as a chart folder): the package
   * helm wrote and its `.prov`.
   */
  async sign(packed: Buffer, name: string): Promise<{ package: Buffer; provenance: Buffer }> {
    const work = await mkdtemp(join(this.dir, 'sign-'));
    try {
      await writeFile(join(work, 'in.tgz'), packed);
      await run('tar', ['-xzf', join(work, 'in.tgz'), '-C', work]);
      const out = join(work, 'out');
      const { stdout } = await run(process.env.HELM_BIN ?? 'helm', [
        'package',
        '--sign',
        '--key',
        this.uid,
        '--keyring',
        this.secring,
        '-d',
        out,
        join(work, name),
      ]);
      const file = /saved it to: (.+\.tgz)/.exec(stdout)?.[1]?.trim() ?? '';
      return { package: await readFile(file), provenance: await readFile(`${file}.prov`) };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
