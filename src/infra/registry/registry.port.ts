import { EgressPolicy } from '../../common/egress/egress-policy';
import { RegistryCredentials } from './auth-file';
import { ImageReference } from './image-reference';

/** OCI registries over HTTP, behind a token: digest checks and reachability without a process. */
export const REGISTRY = Symbol('REGISTRY');

/** How to reach one registry: TLS verification and optional credentials, from configuration only. */
export interface RegistryEndpoint {
  tlsVerify: boolean;
  credentials?: RegistryCredentials;
  /**
   * Set for registries a tenant names (sources): every connection, token realms included, must
   * pass this policy, checked on the resolved addresses the connection then uses. Unset for the
   * NEMO registry, which the operator configured.
   */
  egress?: EgressPolicy;
  /**
   * Token realm hosts other than the registry's own that may receive its credentials (with
   * `egress` set; without it the realm is trusted like the registry).
   */
  realmCredentialHosts?: readonly string[];
}

export interface Registry {
  /**
   * The digest the registry serves for the image's tag (or digest), read with one HTTP HEAD on
   * `/v2/<repository>/manifests/<reference>` (plus a token request when the registry asks for
   * one); null when the registry has no such manifest.
   */
  manifestDigest(image: ImageReference, endpoint: RegistryEndpoint): Promise<string | null>;

  /**
   * `GET /v2/` of the image's registry: resolves when the registry answers anything at all, rejects
   * with RegistryUnreachable (or EgressRefused) when it cannot be reached within the timeouts.
   */
  ping(image: ImageReference, endpoint: RegistryEndpoint): Promise<void>;
}

export class RegistryHttpError extends Error {}

/** No answer: refused, reset, not resolvable, or silent past the connect or answer timeout. */
export class RegistryUnreachable extends RegistryHttpError {}
