import { parseChallenge } from './www-authenticate';
import { authFileContent, normalizeHost } from './auth-file';

describe('parseChallenge', () => {
  it('reads a Docker Hub bearer challenge', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/nginx:pull',
      },
    });
  });

  it('reads basic challenges, unquoted values and escapes', () => {
    expect(parseChallenge('Basic realm="Registry \\"x\\""')).toEqual({
      scheme: 'basic',
      params: { realm: 'Registry "x"' },
    });
    expect(parseChallenge('Bearer realm=https://r/token, service=r')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://r/token', service: 'r' },
    });
    expect(parseChallenge('')).toBeUndefined();
  });
});

describe('auth file helpers', () => {
  it('normalizes Docker Hub aliases and URLs', () => {
    expect(normalizeHost('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normalizeHost('Registry.example.eu:5000')).toBe('registry.example.eu:5000');
  });

  it('writes the containers auth format', () => {
    expect(JSON.parse(authFileContent('r:5000', { username: 'u', password: 'p:w' }))).toEqual({
      auths: { 'r:5000': { auth: Buffer.from('u:p:w').toString('base64') } },
    });
  });
});
