import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { INSTANCE_STATUSES, type InstanceStatus } from '../../contract';
import type { KubernetesManifest } from '../../common/kubernetes-manifest';
import { PageQuery } from '../../common/pagination/pagination';
import {
  CLAIM_MAX_LENGTH,
  COUNT_SCHEMA,
  DNS_LABEL_MAX_LENGTH,
  DNS_SUBDOMAIN_MAX_LENGTH,
  ID_SCHEMA,
  PREFIXED_SHA256_SCHEMA,
  REVISION_SCHEMA,
  TIMESTAMP_SCHEMA,
} from '../../common/validation/bounds';
import { KUBERNETES_VERSION_MAX_LENGTH } from '../../cluster/cluster-names';
import { VERSION_MAX_LENGTH } from '../../workload/dto/create-workload.dto';
import {
  InstanceRevision,
  REVISION_ORIGINS,
  RevisionOrigin,
} from '../entities/instance-revision.entity';
import type {
  JsonPatchOperation,
  ManifestDiff,
  ObjectChange,
  ObjectChangeKind,
  ObjectKey,
} from '../revisions/manifest-diff';

const OBJECT_SCHEMA = { type: 'object', additionalProperties: true } as const;

export class ListRevisionsQuery extends PageQuery {}

export class InstanceRevisionResponse {
  @ApiProperty({ ...REVISION_SCHEMA, example: 3 })
  revision!: number;

  @ApiProperty({ description: "Whether this is the instance's current revision." })
  current!: boolean;

  @ApiProperty({
    enum: REVISION_ORIGINS,
    enumName: 'RevisionOrigin',
    example: 'upgrade',
    description: '`create` (revision 1), `upgrade` (PATCH) or `rollback`.',
  })
  origin!: RevisionOrigin;

  @ApiProperty({
    ...REVISION_SCHEMA,
    nullable: true,
    example: null,
    description: 'For a rollback: the revision whose manifests it restored.',
  })
  rollback_of!: number | null;

  @ApiProperty({ ...ID_SCHEMA, example: 9 })
  workload_document_id!: number;

  @ApiProperty({ example: 'shop', maxLength: DNS_LABEL_MAX_LENGTH })
  chart_name!: string;

  @ApiProperty({ example: '1.2.0', maxLength: VERSION_MAX_LENGTH })
  chart_version!: string;

  @ApiProperty({
    ...PREFIXED_SHA256_SCHEMA,
    example: 'sha256:6c0f3b2e9d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180716f5e4d3c2b1a098',
    description: 'sha256 of the canonical JSON of the values it was rendered with.',
  })
  values_digest!: string;

  @ApiProperty({
    ...PREFIXED_SHA256_SCHEMA,
    example: 'sha256:9a1e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2918070f6e5d4c3b2a1908f7e6d5',
    description: 'sha256 of the canonical JSON of its manifests: equal digests, equal manifests.',
  })
  manifests_digest!: string;

  @ApiProperty({ example: false })
  ingress_enabled!: boolean;

  @ApiProperty({ type: [String], example: ['http://shop.936623ae.nemo.local/'] })
  exposed_urls!: string[];

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: DNS_SUBDOMAIN_MAX_LENGTH,
    example: 'k3s-cluster',
    description: 'The cluster it was rendered for.',
  })
  cluster_name!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: KUBERNETES_VERSION_MAX_LENGTH,
    example: 'v1.28.3',
    description:
      "The Kubernetes version helm rendered for (null: no cluster profile, helm's default).",
  })
  kube_version!: string | null;

  @ApiProperty({
    enum: INSTANCE_STATUSES,
    enumName: 'InstanceStatus',
    example: 'deployed',
    description:
      'The last status the meta-Orchestrator reported while it was the current revision.',
  })
  status!: InstanceStatus;

  @ApiProperty({
    example: 'alice',
    maxLength: CLAIM_MAX_LENGTH,
    description: 'Who created it (token subject).',
  })
  created_by!: string;

  @ApiProperty({ ...TIMESTAMP_SCHEMA })
  created_at!: string;
}

export class InstanceRevisionDetailResponse extends InstanceRevisionResponse {
  @ApiProperty({
    type: 'array',
    items: OBJECT_SCHEMA,
    description:
      'The manifests of this revision exactly as the meta-Orchestrator got them in its `run` event ' +
      '(Secrets included, as in GET /instances/{instance_id}).',
  })
  manifests!: KubernetesManifest[];
}

export function toRevisionResponse(
  revision: InstanceRevision,
  currentRevision: number,
): InstanceRevisionResponse {
  return {
    revision: revision.revision,
    current: revision.revision === currentRevision,
    origin: revision.origin,
    rollback_of: revision.rollbackOf,
    workload_document_id: revision.workloadDocumentId,
    chart_name: revision.chartName,
    chart_version: revision.chartVersion,
    values_digest: `sha256:${revision.valuesDigest}`,
    manifests_digest: `sha256:${revision.manifestsDigest}`,
    ingress_enabled: revision.ingressEnabled,
    exposed_urls: revision.exposedUrls,
    cluster_name: revision.clusterName,
    kube_version: revision.kubeVersion,
    status: revision.status,
    created_by: revision.createdBy,
    created_at: revision.createdAt.toISOString(),
  };
}

export class ObjectKeyResponse implements ObjectKey {
  @ApiProperty({ example: 'apps/v1' })
  apiVersion!: string;

  @ApiProperty({ example: 'Deployment' })
  kind!: string;

  @ApiProperty({ type: String, nullable: true, example: 'edge' })
  namespace!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'shop-web' })
  name!: string | null;
}

export class JsonPatchOperationResponse implements JsonPatchOperation {
  @ApiProperty({
    enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'],
    enumName: 'JsonPatchOp',
  })
  op!: JsonPatchOperation['op'];

  @ApiProperty({ example: '/spec/replicas', description: 'A JSON Pointer (RFC 6901).' })
  path!: string;

  @ApiPropertyOptional({
    description: 'The new value (add, replace): any JSON value.',
    oneOf: [
      { type: 'string' },
      { type: 'number' },
      { type: 'boolean' },
      { type: 'object', additionalProperties: true },
      { type: 'array', items: {} },
    ],
    example: 3,
  })
  value?: unknown;

  @ApiPropertyOptional({ description: 'The source pointer (move, copy).' })
  from?: string;
}

export class ObjectChangeResponse implements ObjectChange {
  @ApiProperty({ type: ObjectKeyResponse })
  key!: ObjectKey;

  @ApiProperty({ enum: ['added', 'removed', 'changed'], enumName: 'ObjectChangeKind' })
  change!: ObjectChangeKind;

  @ApiPropertyOptional({
    type: [JsonPatchOperationResponse],
    description:
      'For `changed`: the RFC 6902 JSON patch from the older object to the newer one. Secret `data` and ' +
      '`stringData` values appear as "(redacted)" or "(redacted, changed)": which key was added, ' +
      'removed or changed shows, never a value.',
  })
  patch?: JsonPatchOperation[];
}

export class ManifestDiffResponse implements ManifestDiff {
  @ApiProperty({ ...COUNT_SCHEMA, example: 1 }) added!: number;
  @ApiProperty({ ...COUNT_SCHEMA, example: 0 }) removed!: number;
  @ApiProperty({ ...COUNT_SCHEMA, example: 1 }) changed!: number;
  @ApiProperty({ ...COUNT_SCHEMA, example: 2 }) unchanged!: number;

  @ApiProperty({
    type: [ObjectChangeResponse],
    description: 'Per Kubernetes object (apiVersion, kind, namespace, name) that differs.',
  })
  changes!: ObjectChange[];
}

export class RevisionDiffResponse extends ManifestDiffResponse {
  @ApiProperty({ ...REVISION_SCHEMA, example: 3, description: 'The newer side.' })
  revision!: number;

  @ApiProperty({
    ...REVISION_SCHEMA,
    nullable: true,
    example: 2,
    description: 'The side it is compared with (null: nothing, every object is added).',
  })
  against!: number | null;
}
