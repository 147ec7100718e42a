import { sliceOf } from '../../../test/support/config';
import { RenderConfig } from '../../config/slices/render.config';
import { DEFAULT_RELEASE_NAMESPACE, RenderPolicyService } from './render-policy.service';

const service = (env: Record<string, string> = {}) =>
  new RenderPolicyService(sliceOf(RenderConfig, env));
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
