import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { KubernetesManifest } from '../events/payloads';
import {
  buildIngresses,
  ExposedInstance,
  IngressExposure,
  IngressSettings,
} from './ingress-builder';

/** The NEMO ingress with the operator's settings (INGRESS_* configuration) applied. */
@Injectable()
export class IngressService {
  private readonly settings: IngressSettings;

  constructor(config: AppConfig) {
    this.settings = {
      hostTemplate: config.INGRESS_HOST_TEMPLATE,
      domain: config.INGRESS_DOMAIN,
      className: config.INGRESS_CLASS_NAME,
      tlsSecret: config.INGRESS_TLS_SECRET,
    };
  }

  /** Ingress objects for the exposable Services of `manifests`, and the URLs they serve. */
  expose(manifests: KubernetesManifest[], instance: ExposedInstance): IngressExposure {
    return buildIngresses(manifests, instance, this.settings);
  }
}
