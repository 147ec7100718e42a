import type { KubernetesManifest } from '../../common/kubernetes-manifest';
import { diffManifests, REDACTED, REDACTED_CHANGED } from './manifest-diff';

const configMap = (name: string, data: Record<string, string>): KubernetesManifest => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'edge' },
  data,
});

const deployment = (replicas: number): KubernetesManifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'edge' },
  spec: { replicas, template: { spec: { containers: [{ name: 'app', image: 'a:1' }] } } },
});

const secret = (data?: Record<string, string>, stringData?: Record<string, string>) =>
  ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: 'edge' },
    type: 'Opaque',
    ...(data ? { data } : {}),
    ...(stringData ? { stringData } : {}),
  }) as KubernetesManifest;

describe('diffManifests', () => {
  it('reports added, removed and changed objects by apiVersion/kind/namespace/name', () => {
    const older = [configMap('a', { x: '1' }), deployment(1), configMap('gone', {})];
    const newer = [configMap('a', { x: '1' }), deployment(3), configMap('new', { y: '2' })];
    const diff = diffManifests(older, newer);
    expect(diff).toMatchObject({ added: 1, removed: 1, changed: 1, unchanged: 1 });
    expect(diff.changes).toEqual([
      {
        key: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'edge', name: 'web' },
        change: 'changed',
        patch: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
      },
      {
        key: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'edge', name: 'new' },
        change: 'added',
      },
      {
        key: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'edge', name: 'gone' },
        change: 'removed',
      },
    ]);
  });

  it('treats another apiVersion of the same kind and name as another object', () => {
    const older = [{ ...deployment(1), apiVersion: 'apps/v1beta1' }];
    const diff = diffManifests(older, [deployment(1)]);
    expect(diff).toMatchObject({ added: 1, removed: 1, changed: 0 });
  });

  it('keeps repeated keys apart by position', () => {
    const diff = diffManifests(
      [configMap('a', { x: '1' }), configMap('a', { x: '2' })],
      [configMap('a', { x: '1' }), configMap('a', { x: '3' })],
    );
    expect(diff).toMatchObject({ changed: 1, unchanged: 1, added: 0, removed: 0 });
  });

  it('an identical set has no changes', () => {
    expect(diffManifests([deployment(2)], [deployment(2)])).toEqual({
      added: 0,
      removed: 0,
      changed: 0,
      unchanged: 1,
      changes: [],
    });
  });

  describe('Secrets', () => {
    const SECRET_VALUES = ['czNjcjN0', 'bmV3LXNlY3JldA==', 'plain-old', 'plain-new', 'added-val'];

    function expectNoSecretValue(text: string): void {
      for (const value of SECRET_VALUES) expect(text).not.toContain(value);
    }

    it('shows which data keys were added, removed or changed, never their values', () => {
      const older = secret({ password: 'czNjcjN0', same: 'c2FtZQ==', dropped: 'eA==' });
      const newer = secret({ password: 'bmV3LXNlY3JldA==', same: 'c2FtZQ==', token: 'added-val' });
      const diff = diffManifests([older], [newer]);
      const text = JSON.stringify(diff);
      expectNoSecretValue(text);
      expect(text).not.toContain('c2FtZQ==');
      expect(text).not.toContain('eA==');
      expect(diff.changes).toHaveLength(1);
      const patch = diff.changes[0].patch ?? [];
      expect(patch).toEqual(
        expect.arrayContaining([
          { op: 'replace', path: '/data/password', value: REDACTED_CHANGED },
          { op: 'remove', path: '/data/dropped' },
          { op: 'add', path: '/data/token', value: REDACTED },
        ]),
      );
      expect(patch).toHaveLength(3);
    });

    it('redacts stringData and a data map that appears or disappears as a whole', () => {
      const older = secret(undefined, { pass: 'plain-old' });
      const newer = secret({ key: 'added-val' }, { pass: 'plain-new' });
      const diff = diffManifests([older], [newer]);
      expectNoSecretValue(JSON.stringify(diff));
      expect(diff.changes[0].patch).toEqual(
        expect.arrayContaining([
          { op: 'replace', path: '/stringData/pass', value: REDACTED_CHANGED },
          { op: 'add', path: '/data', value: { key: REDACTED } },
        ]),
      );
    });

    it('a Secret whose values did not change shows no change; other fields still diff', () => {
      const older = secret({ password: 'czNjcjN0' });
      const newer = { ...secret({ password: 'czNjcjN0' }), type: 'kubernetes.io/basic-auth' };
      const diff = diffManifests([older], [newer]);
      expect(diff.changes[0].patch).toEqual([
        { op: 'replace', path: '/type', value: 'kubernetes.io/basic-auth' },
      ]);
    });

    it('a non-object data field is redacted as a whole', () => {
      const older = { ...secret(), data: 'czNjcjN0' } as KubernetesManifest;
      const newer = { ...secret(), data: 'bmV3LXNlY3JldA==' } as KubernetesManifest;
      expectNoSecretValue(JSON.stringify(diffManifests([older], [newer])));
    });

    it('added and removed Secrets appear by key only', () => {
      const diff = diffManifests(
        [secret({ a: 'czNjcjN0' })],
        [secret({ a: 'czNjcjN0' }), configMap('x', {})],
      );
      expect(diff.changes).toEqual([
        { key: expect.objectContaining({ kind: 'ConfigMap' }), change: 'added' },
      ]);
      const removed = diffManifests([secret({ a: 'czNjcjN0' })], []);
      expectNoSecretValue(JSON.stringify(removed));
      expect(removed.changes).toEqual([
        { key: expect.objectContaining({ kind: 'Secret', name: 'creds' }), change: 'removed' },
      ]);
    });
  });
});
