import { ApiProperty } from '@nestjs/swagger';
import type { KubernetesManifest } from '../../common/kubernetes-manifest';
import { IMAGE_LOCK_MAX_ITEMS, ImageLockResponse } from './instance.response';
import {
  DNS_LABEL_MAX_LENGTH,
  DNS_SUBDOMAIN_MAX_LENGTH,
  ID_SCHEMA,
  REVISION_SCHEMA,
} from '../../common/validation/bounds';
import { KUBERNETES_VERSION_MAX_LENGTH } from '../../cluster/cluster-names';
import { MAX_RELEASE_NAME } from './create-instance.dto';
import { ManifestDiffResponse } from './revision.response';
import type { ManifestDiff } from '../revisions/manifest-diff';

const OBJECT_SCHEMA = { type: 'object', additionalProperties: true } as const;

/** What `?dry_run=true` answers: the render that would happen, nothing stored or published. */
export class InstancePreviewResponse {
  @ApiProperty({ type: Boolean, example: true, description: 'Always true: nothing was stored.' })
  dry_run!: true;

  @ApiProperty({
    type: String,
    format: 'uuid',
    minLength: 36,
    maxLength: 36,
    nullable: true,
    description:
      'The instance an upgrade would change; null for a creation (a real creation draws a new ' +
      'instance_id, so exposed hosts, which contain it, differ from this preview).',
  })
  instance_id!: string | null;

  @ApiProperty({ ...ID_SCHEMA, example: 9 })
  workload_document_id!: number;

  @ApiProperty({ example: 'shop', maxLength: MAX_RELEASE_NAME })
  release_name!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: DNS_LABEL_MAX_LENGTH,
    example: 'edge-apps',
  })
  namespace!: string | null;

  @ApiProperty({ type: String, nullable: true, maxLength: DNS_SUBDOMAIN_MAX_LENGTH, example: null })
  cluster_name!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: KUBERNETES_VERSION_MAX_LENGTH,
    example: 'v1.28.3',
  })
  kube_version!: string | null;

  @ApiProperty({ example: false })
  ingress_enabled!: boolean;

  @ApiProperty({
    ...REVISION_SCHEMA,
    example: 4,
    description: 'The revision number the change would get now.',
  })
  revision!: number;

  @ApiProperty({ type: [String] })
  exposed_urls!: string[];

  @ApiProperty({ type: 'array', items: OBJECT_SCHEMA, description: 'What would be rendered.' })
  manifests!: KubernetesManifest[];

  @ApiProperty({
    type: [ImageLockResponse],
    maxItems: IMAGE_LOCK_MAX_ITEMS,
    description: 'Every image of the manifests, source → pinned reference.',
  })
  image_lock!: ImageLockResponse[];

  @ApiProperty({
    type: ManifestDiffResponse,
    nullable: true,
    description: 'For an upgrade: the diff against the current revision; null for a creation.',
  })
  diff!: ManifestDiff | null;
}
