import { validateConfig } from '../../config/app-config';
import { DEFAULT_RELEASE_NAMESPACE, RenderPolicyService } from './render-policy.service';

const REQUIRED = {
  DATABASE_URL: 'postgres://nemo:nemo@127.0.0.1:55432/nemo',
  REDIS_URL: 'redis://127.0.0.1:56379',
  RABBITMQ_URL: 'amqp://nemo:nemo@127.0.0.1:55672',
  AWS_ENDPOINT: 'http://127.0.0.1:54566',
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  HELM_REPOSITORY_BUCKET: 's3://nemo/charts',
  REGISTRY_HOST: '127.0.0.1:55000',
};

const service = (env: Record<string, string> = {}) =>
  new RenderPolicyService(validateConfig({ ...REQUIRED, ...env }));
const NO_ALLOWANCE = { allowedKinds: [], podSecurity: null };

describe('RenderPolicyService', () => {
  it('defaults to baseline, the kube-* system namespaces and helm\'s "default" namespace', () => {
    const policy = service().forInstance(NO_ALLOWANCE);
    expect(policy).toEqual({
      namespace: DEFAULT_RELEASE_NAMESPACE,
      systemNamespaces: new Set(['kube-system', 'kube-public', 'kube-node-lease']),
      allowedKinds: [],
      podSecurity: 'baseline',
    });
  });

  it('takes the requested namespace, the configured profile and the document allowance', () => {
    const policy = service({ RENDER_POLICY_POD_SECURITY: 'restricted' }).forInstance(
      { allowedKinds: ['ClusterRole'], podSecurity: null },
      'edge',
    );
    expect(policy).toMatchObject({
      namespace: 'edge',
      podSecurity: 'restricted',
      allowedKinds: ['ClusterRole'],
    });
  });

  it("lets the document's profile win over the configured one", () => {
    const relaxed = service({ RENDER_POLICY_POD_SECURITY: 'restricted' }).forInstance({
      allowedKinds: [],
      podSecurity: 'privileged',
    });
    expect(relaxed.podSecurity).toBe('privileged');
  });

  it('refuses an instance in a system namespace, also "default" once configured so', () => {
    expect(() => service().forInstance(NO_ALLOWANCE, 'kube-system')).toThrow(
      expect.objectContaining({ status: 422, code: 'render_policy_violation' }),
    );
    const strict = service({ RENDER_POLICY_SYSTEM_NAMESPACES: 'kube-system,default' });
    expect(() => strict.forInstance(NO_ALLOWANCE)).toThrow(
      expect.objectContaining({ errors: [expect.objectContaining({ field: 'namespace' })] }),
    );
    expect(() => strict.forInstance(NO_ALLOWANCE, 'edge')).not.toThrow();
  });

  it('validates the settings', () => {
    expect(() => service({ RENDER_POLICY_POD_SECURITY: 'privileged' })).toThrow(
      /RENDER_POLICY_POD_SECURITY/,
    );
    expect(() => service({ RENDER_POLICY_SYSTEM_NAMESPACES: 'kube-system, Default' })).toThrow(
      /RENDER_POLICY_SYSTEM_NAMESPACES/,
    );
  });
});
