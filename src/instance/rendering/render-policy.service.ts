import { Injectable } from '@nestjs/common';
import { RenderConfig } from '../../config/slices/render.config';
import { KubernetesManifest } from '../../common/kubernetes-manifest';
import type { PodSecurityProfile } from '../../contract';
import { checkInstanceNamespace, enforceRenderPolicy, RenderPolicy } from './render-policy';

/** Helm's `.Release.Namespace` when none is given: instances without a namespace render into it. */
export const DEFAULT_RELEASE_NAMESPACE = 'default';

/** What an admin set on the workload document (null: the configured default profile). */
export interface DocumentRenderPolicy {
  allowedKinds: readonly string[];
  podSecurity: PodSecurityProfile | null;
}

/** The render policy with the operator's settings (RENDER_POLICY_*) applied. */
@Injectable()
export class RenderPolicyService {
  private readonly systemNamespaces: ReadonlySet<string>;

  constructor(private readonly config: RenderConfig) {
    this.systemNamespaces = new Set(
      config.RENDER_POLICY_SYSTEM_NAMESPACES.split(',')
        .map((name) => name.trim())
        .filter((name) => name !== ''),
    );
  }

  /** The policy of one instance; 422 when the instance itself would land in a system namespace. */
  forInstance(document: DocumentRenderPolicy, requestedNamespace?: string): RenderPolicy {
    const policy: RenderPolicy = {
      namespace: requestedNamespace ?? DEFAULT_RELEASE_NAMESPACE,
      systemNamespaces: this.systemNamespaces,
      allowedKinds: document.allowedKinds,
      podSecurity: document.podSecurity ?? this.config.RENDER_POLICY_POD_SECURITY,
    };
    checkInstanceNamespace(requestedNamespace, policy);
    return policy;
  }

  /** 422 naming every object and rule when a rendered object breaks the policy. */
  enforce(manifests: KubernetesManifest[], policy: RenderPolicy): void {
    enforceRenderPolicy(manifests, policy);
  }
}
