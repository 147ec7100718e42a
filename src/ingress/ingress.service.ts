import { Injectable } from '@nestjs/common';
import { IngressConfig } from '../config/slices/ingress.config';
import { KubernetesManifest } from '../common/kubernetes-manifest';
import {
  buildIngresses,
  ExposedInstance,
  IngressExposure,
  IngressSettings,
} from './ingress-builder';

/** Per-cluster settings of the NEMO ingress (from a cluster profile). */
export interface IngressOverrides {
  domain?: string;
  className?: string;
}

/** The NEMO ingress with the operator's settings (INGRESS_* configuration) applied. */
@Injectable()
export class IngressService {
  private readonly settings: IngressSettings;

  constructor(config: IngressConfig) {
    this.settings = {
      hostTemplate: config.INGRESS_HOST_TEMPLATE,
      domain: config.INGRESS_DOMAIN,
      className: config.INGRESS_CLASS_NAME,
      tlsSecret: config.INGRESS_TLS_SECRET,
    };
  }

  /**
   * Ingress objects for the exposable Services of `manifests`, and the URLs they serve; a target
   * cluster's profile may override the domain and the IngressClass.
   */
  expose(
    manifests: KubernetesManifest[],
    instance: ExposedInstance,
    overrides: IngressOverrides = {},
  ): IngressExposure {
    return buildIngresses(manifests, instance, {
      ...this.settings,
      domain: overrides.domain ?? this.settings.domain,
      className: overrides.className ?? this.settings.className,
    });
  }
}
