import { readFileSync } from 'node:fs';

export interface RegistryCredentials {
  username: string;
  password: string;
}

/**
 * Reads a containers auth file (`{"auths": {"<registry>": {"auth": base64("user:pass")}}}`), the
 * format skopeo, podman and `docker login` write, into credentials by registry host.
 */
export function readAuthFile(path: string): Map<string, RegistryCredentials> {
  const document = JSON.parse(readFileSync(path, 'utf8')) as {
    auths?: Record<string, { auth?: string; username?: string; password?: string }>;
  };
  const credentials = new Map<string, RegistryCredentials>();
  for (const [host, entry] of Object.entries(document.auths ?? {})) {
    const decoded = entry.auth ? Buffer.from(entry.auth, 'base64').toString('utf8') : undefined;
    const colon = decoded?.indexOf(':') ?? -1;
    const username = decoded && colon > 0 ? decoded.slice(0, colon) : entry.username;
    const password = decoded && colon > 0 ? decoded.slice(colon + 1) : entry.password;
    if (username && password) credentials.set(normalizeHost(host), { username, password });
  }
  return credentials;
}

/** `https://index.docker.io/v1/` and `docker.io` name the same registry. */
export function normalizeHost(host: string): string {
  const bare = host
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return ['index.docker.io', 'registry-1.docker.io'].includes(bare) ? 'docker.io' : bare;
}

export function authFileContent(host: string, credentials: RegistryCredentials): string {
  const auth = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  return JSON.stringify({ auths: { [host]: { auth } } });
}
