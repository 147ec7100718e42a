/**
 * What the benchmarks that run servers as processes share: a loopback OIDC issuer, free ports,
 * server processes waited for until they answer, their RSS, and how a benchmark exits.
 */
import { exportJWK, generateKeyPair, JWTPayload, SignJWT } from 'jose';
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export const BENCH_AUDIENCE = 'nemo-intent-api';

/** The node flags the api runs with in production (the Dockerfile's ENTRYPOINT, package.json's start scripts, scripts/dev.sh; test/unit/node-flags.spec.ts keeps them equal). */
export const API_NODE_FLAGS = [
  '--max-semi-space-size=16',
  '--heap-growing-percent=50',
  '--no-memory-reducer',
];

/** The environment the api runs with in production, from the same launchers (and the same spec). */
export const API_ENV = { MALLOC_ARENA_MAX: '2' } as const;

export interface BenchIssuer {
  server: Server;
  issuer: string;
  /** The public key set, as the issuer serves it (for a raw server verifying the same tokens). */
  jwks: string;
  /** A token of `subject` with `claims`, valid for a few hours. */
  sign(subject: string, claims: JWTPayload): Promise<string>;
}

/** A loopback OIDC issuer: discovery + JWKS of one ES256 key. */
export async function startIssuer(): Promise<BenchIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
  const jwks = JSON.stringify({ keys: [jwk] });
  let issuer = '';
  const server = createServer((request, response) => {
    const body =
      request.url === '/.well-known/openid-configuration'
        ? JSON.stringify({
            issuer,
            jwks_uri: `${issuer}/jwks.json`,
            id_token_signing_alg_values_supported: ['ES256'],
          })
        : jwks;
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (subject: string, claims: JWTPayload): Promise<string> =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(issuer)
      .setAudience(BENCH_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('4h')
      .sign(privateKey);
  return { server, issuer, jwks, sign };
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Starts `node <command>` listening on `port` and waits until it answers HTTP at all. Its stdout
 * is dropped (this busy process never has to drain a log pipe); stderr stays visible.
 */
export async function startServer(
  command: string[],
  env: NodeJS.ProcessEnv,
  port: number,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, command, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${command.join(' ')} exited with ${child.exitCode}`);
    const answers = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => true,
      () => false,
    );
    if (answers) return child;
    if (Date.now() > deadline) throw new Error(`${command.join(' ')} did not start within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** SIGTERM and wait for the exit (the api writes its CPU profile on a clean exit). */
export function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** CPU time (user + system) the process has used so far, in ms: per request, a figure load does not distort. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerS = 100;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerS;
}

export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

/** Runs a benchmark's main and exits: 0 when it printed its figures, 1 with the cause otherwise. */
export function runBench(main: () => Promise<void>): void {
  main()
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      process.stderr.write(
        `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    });
}
