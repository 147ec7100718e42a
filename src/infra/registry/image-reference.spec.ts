import {
  formatImageReference,
  InvalidImageReference,
  mirrorTarget,
  parseImageReference,
  registryApiHost,
} from './image-reference';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseImageReference', () => {
  it.each([
    ['nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['nginx:1.27', { registry: 'docker.io', repository: 'library/nginx', tag: '1.27' }],
    ['bitnami/redis:7', { registry: 'docker.io', repository: 'bitnami/redis', tag: '7' }],
    ['docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
    [
      'index.docker.io/library/nginx:1',
      { registry: 'docker.io', repository: 'library/nginx', tag: '1' },
    ],
    [
      'quay.io/prometheus/node-exporter:v1.8.0',
      { registry: 'quay.io', repository: 'prometheus/node-exporter', tag: 'v1.8.0' },
    ],
    [
      '127.0.0.1:55000/src/app:1.0',
      { registry: '127.0.0.1:55000', repository: 'src/app', tag: '1.0' },
    ],
    ['localhost/app', { registry: 'localhost', repository: 'app', tag: 'latest' }],
    [
      `ghcr.io/a/b@${DIGEST}`,
      { registry: 'ghcr.io', repository: 'a/b', tag: undefined, digest: DIGEST },
    ],
    [`a/b:1@${DIGEST}`, { registry: 'docker.io', repository: 'a/b', tag: '1', digest: DIGEST }],
  ])('reads %s', (reference, expected) => {
    expect(parseImageReference(reference)).toEqual({ digest: undefined, ...expected });
  });

  it.each([
    '',
    'UPPER/case',
    'a b',
    'nginx:bad tag',
    'nginx@sha256:short',
    'a@b@c',
    'a:/b',
    'bad_host:x:1/y',
  ])('refuses %j', (reference) => {
    expect(() => parseImageReference(reference)).toThrow(InvalidImageReference);
  });

  it('formats back to the full reference', () => {
    expect(formatImageReference(parseImageReference('nginx'))).toBe(
      'docker.io/library/nginx:latest',
    );
    expect(formatImageReference(parseImageReference(`a/b:1@${DIGEST}`))).toBe(
      `docker.io/a/b:1@${DIGEST}`,
    );
  });

  it('knows the Docker Hub API host', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('quay.io')).toBe('quay.io');
  });
});

describe('mirrorTarget', () => {
  it('keeps the source registry and repository under the mirror path', () => {
    const target = mirrorTarget(
      parseImageReference('127.0.0.1:55000/src/app:1.0'),
      'registry.nemo.eu',
      'mirror',
    );
    expect(formatImageReference(target)).toBe(
      'registry.nemo.eu/mirror/127.0.0.1-55000/src/app:1.0',
    );
  });

  it('honours a path in the registry host and an empty mirror path', () => {
    const target = mirrorTarget(parseImageReference('nginx:1'), 'reg:5000/team', '');
    expect(formatImageReference(target)).toBe('reg:5000/team/docker.io/library/nginx:1');
  });

  it('tags a digest-only source by its digest and keeps the digest', () => {
    const target = mirrorTarget(parseImageReference(`ghcr.io/a/b@${DIGEST}`), 'r', 'm');
    expect(target.tag).toBe(`sha256-${'a'.repeat(64)}`);
    expect(target.digest).toBe(DIGEST);
  });
});
