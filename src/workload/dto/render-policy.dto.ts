import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { POD_SECURITY_PROFILES, PodSecurityProfile } from '../../contract';

/** `Kind` or `group/Kind`: an API group is a DNS name, a kind an UpperCamelCase word. */
export const ALLOWED_KIND_PATTERN =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Z][A-Za-z0-9]*$/;
export const MAX_ALLOWED_KINDS = 64;
export const MAX_ALLOWED_KIND_LENGTH = 317;
/** The longest profile name, so that the document bounds the nullable enum too. */
export const POD_SECURITY_MAX_LENGTH = 16;

const ALLOWED_KINDS_DESCRIPTION =
  'Kinds beyond the namespaced application kinds that instances of this document may render: ' +
  'cluster-scoped ones (ClusterRole, CustomResourceDefinition, …) and kinds the render policy does ' +
  'not know (custom resources). `Kind` allows it in any API group, `group/Kind` in that group only.';

/** The body of PUT /workloads/{id}/render-policy (admins only): replaces the document's policy. */
export class RenderPolicyDto {
  @ApiProperty({
    type: [String],
    maxItems: MAX_ALLOWED_KINDS,
    uniqueItems: true,
    example: ['ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding'],
    items: {
      type: 'string',
      pattern: ALLOWED_KIND_PATTERN.source,
      maxLength: MAX_ALLOWED_KIND_LENGTH,
    },
    description: ALLOWED_KINDS_DESCRIPTION,
  })
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWED_KINDS)
  @ArrayUnique()
  @IsString({ each: true })
  @MaxLength(MAX_ALLOWED_KIND_LENGTH, { each: true })
  @Matches(ALLOWED_KIND_PATTERN, {
    each: true,
    message:
      '$property entries must be Kind or group/Kind, e.g. ClusterRole or apps.example.eu/Widget',
  })
  allowed_kinds!: string[];

  @ApiPropertyOptional({
    enum: POD_SECURITY_PROFILES,
    enumName: 'PodSecurityProfile',
    nullable: true,
    maxLength: POD_SECURITY_MAX_LENGTH,
    example: 'restricted',
    description:
      'Pod Security Standards profile the pods of its instances must meet; null or absent: the ' +
      'configured default (RENDER_POLICY_POD_SECURITY).',
  })
  @IsOptional()
  @IsIn(POD_SECURITY_PROFILES)
  @MaxLength(POD_SECURITY_MAX_LENGTH)
  pod_security?: PodSecurityProfile | null;
}
