import { API_VERSION, KUBERNETES_VERSION, normalizeKubernetesVersion } from './cluster-names';

describe('cluster profile values', () => {
  it.each([
    ['1.28', 'v1.28.0'],
    ['v1.28.3', 'v1.28.3'],
    ['1.30.10', 'v1.30.10'],
  ])('normalizes Kubernetes version %p to %p', (given, normalized) => {
    expect(KUBERNETES_VERSION.test(given)).toBe(true);
    expect(normalizeKubernetesVersion(given)).toBe(normalized);
  });

  it.each(['1', '1.x', 'v1.28.3-rc.1', '1.28.3.4', ' 1.28', '01.28', '--kube-version=1.0'])(
    'refuses Kubernetes version %p',
    (given) => {
      expect(KUBERNETES_VERSION.test(given)).toBe(false);
    },
  );

  it.each([
    'v1',
    'apps/v1',
    'networking.k8s.io/v1',
    'autoscaling/v2beta2',
    'monitoring.coreos.com/v1/ServiceMonitor',
  ])('accepts API version %p', (given) => {
    expect(API_VERSION.test(given)).toBe(true);
  });

  it.each(['--set=x', '-a', 'apps/', 'Apps/v1', 'apps/v1/', 'apps/v1/kind', 'apps/v1 x', 'v1\nv2'])(
    'refuses API version %p (nothing helm could read as a flag or a list)',
    (given) => {
      expect(API_VERSION.test(given)).toBe(false);
    },
  );
});
