import { ApiProperty } from '@nestjs/swagger';
import { INSTANCE_STATUSES, type InstanceStatus, type IntentObject } from '../../contract';
import type { KubernetesManifest } from '../../common/kubernetes-manifest';
import {
  DESCRIPTION_MAX_LENGTH,
  DNS_LABEL_MAX_LENGTH,
  DNS_SUBDOMAIN_MAX_LENGTH,
  ID_SCHEMA,
  REVISION_SCHEMA,
  TIMESTAMP_SCHEMA,
} from '../../common/validation/bounds';
import { IntentResponse } from '../../intent/dto/intent.response';
import { WorkloadInstance } from '../entities/workload-instance.entity';
import type { ImageLockEntry } from '../rendering/image-rewrite';
import { DNS_LABEL, MAX_RELEASE_NAME } from './create-instance.dto';

const OBJECT_SCHEMA = { type: 'object', additionalProperties: true } as const;
/** An image reference: registry host, repository path, tag and/or digest. */
const IMAGE_REFERENCE_MAX_LENGTH = 1024;
/** As many lines as a chart may have distinct images (the most IMAGE_MAX_PER_CHART allows). */
export const IMAGE_LOCK_MAX_ITEMS = 10000;

/** One image of the instance: as the chart names it, and what its manifests pull instead. */
export class ImageLockResponse {
  @ApiProperty({
    maxLength: IMAGE_REFERENCE_MAX_LENGTH,
    example: 'docker.io/library/nginx:1.25',
    description: 'The image as the chart names it.',
  })
  source!: string;

  @ApiProperty({
    maxLength: IMAGE_REFERENCE_MAX_LENGTH,
    example:
      'registry.nemo.eu/mirror/docker.io/library/nginx@sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac',
    description:
      'The reference in the rendered manifests: the NEMO mirror pinned to the digest recorded at ' +
      'onboarding (RENDER_PIN_DIGESTS), or the mirror tag when pinning is off.',
  })
  reference!: string;

  @ApiProperty({
    pattern: '^sha256:[a-f0-9]{64}$',
    maxLength: 71,
    example: 'sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac',
    description:
      'The digest mirrored at onboarding: of the manifest list (all architectures) for multi-arch images.',
  })
  digest!: string;
}

export function toImageLockResponse(lock: ImageLockEntry[]): ImageLockResponse[] {
  return lock.map(({ source, reference, digest }) => ({ source, reference, digest }));
}

export class InstanceResponse {
  @ApiProperty({ ...ID_SCHEMA, example: 6 })
  id!: number;

  @ApiProperty({
    format: 'uuid',
    minLength: 36,
    maxLength: 36,
    example: '936623ae-8969-4d73-8c04-527d1cb815ac',
  })
  instance_id!: string;

  @ApiProperty({ ...ID_SCHEMA, example: 9 })
  workload_document_id!: number;

  @ApiProperty({
    example: 'dasddadasdaasdda',
    maxLength: MAX_RELEASE_NAME,
    pattern: DNS_LABEL.source,
  })
  release_name!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: DNS_LABEL_MAX_LENGTH,
    example: 'edge-apps',
  })
  namespace!: string | null;

  @ApiProperty({ enum: INSTANCE_STATUSES, enumName: 'InstanceStatus', example: 'rendered' })
  status!: InstanceStatus;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: DESCRIPTION_MAX_LENGTH,
    example: null,
    description: 'Why the instance is in its status, as last reported.',
  })
  status_reason!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: DNS_SUBDOMAIN_MAX_LENGTH,
    example: null,
    description:
      'The target cluster: given at creation or upgrade, or as last reported by the meta-Orchestrator. ' +
      'A cluster profile of this name decides what helm renders for.',
  })
  cluster_name!: string | null;

  @ApiProperty({ example: false })
  ingress_enabled!: boolean;

  @ApiProperty({
    type: [String],
    example: ['http://shop.936623ae.nemo.local/'],
    description: 'The URLs the NEMO ingress serves for this instance (empty without ingress).',
  })
  exposed_urls!: string[];

  @ApiProperty({
    type: 'array',
    items: OBJECT_SCHEMA,
    description:
      'The rendered Kubernetes objects (images pointing at the NEMO registry, Ingress objects appended).',
    example: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop-web' } }],
  })
  manifests!: KubernetesManifest[];

  @ApiProperty({
    type: [ImageLockResponse],
    maxItems: IMAGE_LOCK_MAX_ITEMS,
    description:
      'The image lock of the current revision: every image of the manifests, source → pinned reference.',
  })
  image_lock!: ImageLockResponse[];

  @ApiProperty({
    ...REVISION_SCHEMA,
    example: 1,
    description:
      'The current revision: 1 on creation, +1 per upgrade or rollback. Also the ETag (`"1"`) for If-Match.',
  })
  revision!: number;

  @ApiProperty({
    type: [IntentResponse],
    description: 'The full TS 28.312 intents whose expectation objects are this instance.',
  })
  intents!: IntentObject[];

  @ApiProperty({ ...TIMESTAMP_SCHEMA })
  created_at!: string;

  @ApiProperty({ ...TIMESTAMP_SCHEMA })
  updated_at!: string;
}

export function toInstanceResponse(
  instance: WorkloadInstance,
  intents: IntentObject[],
): InstanceResponse {
  return {
    id: instance.id,
    instance_id: instance.instanceId,
    workload_document_id: instance.workloadDocumentId,
    release_name: instance.releaseName,
    namespace: instance.namespace,
    status: instance.status,
    status_reason: instance.statusReason,
    cluster_name: instance.clusterName,
    ingress_enabled: instance.ingressEnabled,
    exposed_urls: instance.exposedUrls,
    manifests: instance.manifests,
    image_lock: toImageLockResponse(instance.imageLock ?? []),
    revision: instance.revision,
    intents,
    created_at: instance.createdAt.toISOString(),
    updated_at: instance.updatedAt.toISOString(),
  };
}
