import { Injectable } from '@nestjs/common';
import { UnprocessableError } from '../../common/errors/domain-error';
import type { ClusterRenderProfile } from '../../cluster/cluster.service';
import type { KubernetesManifest } from '../../common/kubernetes-manifest';
import type { IngressExposure } from '../../ingress/ingress-builder';
import { IngressService } from '../../ingress/ingress.service';
import type { InstantiableWorkload } from '../../workload/workload.service';
import { RenderConfig } from '../../config/slices/render.config';
import { ImageLockEntry, imageLockOf, rewriteImages } from './image-rewrite';
import { ManifestRenderer } from './manifest-renderer';
import { RenderPolicyService } from './render-policy.service';

/** Everything one render of an instance depends on. */
export interface InstanceRenderRequest {
  workload: InstantiableWorkload;
  instanceId: string;
  releaseName: string;
  /** The namespace the client asked for (undefined: helm's `default`). */
  namespace?: string;
  values: Record<string, unknown>;
  ingressEnabled: boolean;
  /** The target cluster's profile, when it has one. */
  cluster?: ClusterRenderProfile;
}

export interface RenderedInstance {
  manifests: KubernetesManifest[];
  exposedUrls: string[];
  /** The Kubernetes version helm was told (null: helm's default, no cluster profile). */
  kubeVersion: string | null;
  /** Each source image and the reference the manifests pull instead. */
  imageLock: ImageLockEntry[];
}

/**
 * The one render path of instances (create, upgrade, dry-runs): `helm template` for the target
 * cluster, the render policy on every object, images pointed at their mirrors, the NEMO ingress.
 * Never inside a database transaction.
 */
@Injectable()
export class InstanceRenderer {
  constructor(
    private readonly renderer: ManifestRenderer,
    private readonly ingress: IngressService,
    private readonly renderPolicy: RenderPolicyService,
    private readonly config: RenderConfig,
  ) {}

  async render(request: InstanceRenderRequest): Promise<RenderedInstance> {
    const { workload, cluster } = request;
    checkIngressSupport(workload, request.ingressEnabled);
    const policy = this.renderPolicy.forInstance(workload.renderPolicy, request.namespace);
    // Always an explicit namespace: helm would otherwise take one from a kubeconfig, if any.
    const { manifests: rendered } = await this.renderer.render(
      {
        name: workload.name,
        version: workload.version,
        digest: workload.chartDigest,
        deterministic: workload.rendersDeterministic,
      },
      {
        releaseName: request.releaseName,
        namespace: policy.namespace,
        values: request.values,
        capabilities: cluster
          ? { kubeVersion: cluster.kubeVersion, apiVersions: cluster.apiVersions }
          : undefined,
      },
    );
    this.renderPolicy.enforce(rendered, policy);
    const { manifests, lock } = rewriteImages(rendered, workload.imageMirrors, {
      pinDigests: this.config.RENDER_PIN_DIGESTS,
    });
    const exposure: IngressExposure = request.ingressEnabled
      ? this.ingress.expose(
          manifests,
          {
            releaseName: request.releaseName,
            instanceId: request.instanceId,
            namespace: request.namespace,
          },
          {
            domain: cluster?.ingressDomain ?? undefined,
            className: cluster?.ingressClassName ?? undefined,
          },
        )
      : { ingresses: [], exposed: [] };
    this.renderPolicy.enforce(exposure.ingresses, policy);
    return {
      manifests: [...manifests, ...exposure.ingresses],
      exposedUrls: exposure.exposed.map((entry) => entry.url),
      kubeVersion: cluster?.kubeVersion ?? null,
      imageLock: lock,
    };
  }

  /**
   * A rollback renders nothing, but what it hands out again must still pass today's render policy
   * of the document (an admin may have tightened it since). Answers the manifests' image lock.
   */
  recheck(
    workload: InstantiableWorkload,
    namespace: string | undefined,
    manifests: KubernetesManifest[],
  ): ImageLockEntry[] {
    this.renderPolicy.enforce(
      manifests,
      this.renderPolicy.forInstance(workload.renderPolicy, namespace),
    );
    return imageLockOf(manifests, workload.imageMirrors);
  }
}

function checkIngressSupport(workload: InstantiableWorkload, ingressEnabled: boolean): void {
  if (!ingressEnabled || workload.ingressSupport) return;
  throw new UnprocessableError(
    'ingress_not_supported',
    `workload document ${workload.id} was not created with ingress_support, so it cannot be instantiated with ingress_enabled`,
    [{ field: 'ingress_enabled', reason: 'the workload document has no ingress_support' }],
  );
}
