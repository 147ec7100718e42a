import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { PageQuery } from '../../common/pagination/pagination';
import { CLAIM_MAX_LENGTH, TIMESTAMP_SCHEMA } from '../../common/validation/bounds';
import {
  API_VERSION,
  KUBERNETES_VERSION,
  KUBERNETES_VERSION_MAX_LENGTH,
  MAX_API_VERSIONS,
  MAX_CLUSTER_NAME,
} from '../cluster-names';
import { ClusterProfile } from '../entities/cluster-profile.entity';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const INGRESS_CLASS = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** `PUT /clusters/{name}`: the whole profile (absent optional fields become null). */
export class PutClusterProfileDto {
  @ApiProperty({
    example: '1.28.3',
    maxLength: KUBERNETES_VERSION_MAX_LENGTH,
    pattern: KUBERNETES_VERSION.source,
    description:
      'The Kubernetes version of the cluster (`MAJOR.MINOR[.PATCH]`, optional `v`), given to ' +
      "`helm template --kube-version`: `.Capabilities.KubeVersion` and charts' `kubeVersion` checks.",
  })
  @IsString()
  @MaxLength(KUBERNETES_VERSION_MAX_LENGTH)
  @Matches(KUBERNETES_VERSION, { message: '$property must look like 1.28 or v1.28.3' })
  kubernetes_version!: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_API_VERSIONS,
    items: { type: 'string', maxLength: 253, pattern: API_VERSION.source },
    example: ['networking.k8s.io/v1', 'monitoring.coreos.com/v1/ServiceMonitor'],
    description:
      'API versions the cluster serves beyond the built-in ones (`group/version` or ' +
      '`group/version/Kind`), given to `helm template --api-versions`: `.Capabilities.APIVersions.Has`.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_API_VERSIONS)
  @IsString({ each: true })
  @MaxLength(253, { each: true })
  @Matches(API_VERSION, {
    each: true,
    message: 'each of $property must be group/version or group/version/Kind',
  })
  api_versions?: string[];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 63,
    pattern: DNS_LABEL.source,
    example: 'edge-apps',
    description: 'The namespace of instances created for this cluster without a namespace.',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: '$property must be a DNS-1123 label' })
  default_namespace?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 253,
    pattern: INGRESS_CLASS.source,
    example: 'traefik',
    description:
      'The IngressClass of the NEMO ingress on this cluster (instead of INGRESS_CLASS_NAME).',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(253)
  @Matches(INGRESS_CLASS, { message: '$property must be an IngressClass name' })
  ingress_class_name?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 253,
    pattern: DNS_NAME.source,
    example: 'edge1.apps.nemo.eu',
    description: 'The domain of exposed hosts on this cluster (instead of INGRESS_DOMAIN).',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MaxLength(253)
  @Matches(DNS_NAME, { message: '$property must be a lowercase DNS name' })
  ingress_domain?: string | null;
}

export class ListClustersQuery extends PageQuery {}

export class ClusterProfileResponse {
  @ApiProperty({ example: 'k3s-cluster', maxLength: MAX_CLUSTER_NAME })
  name!: string;

  @ApiProperty({
    example: 'v1.28.3',
    maxLength: KUBERNETES_VERSION_MAX_LENGTH,
    description: 'Normalized to vMAJOR.MINOR.PATCH.',
  })
  kubernetes_version!: string;

  @ApiProperty({
    type: [String],
    maxItems: MAX_API_VERSIONS,
    items: { type: 'string', maxLength: 253 },
    example: ['networking.k8s.io/v1'],
  })
  api_versions!: string[];

  @ApiProperty({ type: String, nullable: true, maxLength: 63, example: 'edge-apps' })
  default_namespace!: string | null;

  @ApiProperty({ type: String, nullable: true, maxLength: 253, example: null })
  ingress_class_name!: string | null;

  @ApiProperty({ type: String, nullable: true, maxLength: 253, example: null })
  ingress_domain!: string | null;

  @ApiProperty({
    example: 'platform-admin',
    maxLength: CLAIM_MAX_LENGTH,
    description: 'Who wrote the profile last.',
  })
  updated_by!: string;

  @ApiProperty({ ...TIMESTAMP_SCHEMA })
  created_at!: string;

  @ApiProperty({ ...TIMESTAMP_SCHEMA })
  updated_at!: string;
}

export function toClusterProfileResponse(profile: ClusterProfile): ClusterProfileResponse {
  return {
    name: profile.name,
    kubernetes_version: profile.kubernetesVersion,
    api_versions: profile.apiVersions,
    default_namespace: profile.defaultNamespace,
    ingress_class_name: profile.ingressClassName,
    ingress_domain: profile.ingressDomain,
    updated_by: profile.updatedBy,
    created_at: profile.createdAt.toISOString(),
    updated_at: profile.updatedAt.toISOString(),
  };
}
