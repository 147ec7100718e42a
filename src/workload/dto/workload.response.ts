import { COMPANION_KINDS, CompanionKind } from '../jobs/mirror-plan';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Page, PageMeta } from '../../common/pagination/pagination';
import {
  CLAIM_MAX_LENGTH,
  COUNT_SCHEMA,
  DESCRIPTION_MAX_LENGTH,
  DNS_LABEL_MAX_LENGTH,
  ID_SCHEMA,
  longestOf,
  REJECTION_REASON_MAX_LENGTH,
  SHA256_HEX_SCHEMA,
  TIMESTAMP_SCHEMA,
} from '../../common/validation/bounds';
import { VERSION_MAX_LENGTH, WORKLOAD_NAME } from './create-workload.dto';
import {
  POD_SECURITY_PROFILES,
  PodSecurityProfile,
  WORKLOAD_STATUSES,
  WorkloadStatus,
} from '../../contract';
import {
  ONBOARDING_STEPS,
  OnboardingStep,
  WORKLOAD_TYPES,
  WorkloadDocument,
  WorkloadType,
} from '../entities/workload-document.entity';
import { WorkloadImageMirror } from '../entities/workload-image-mirror.entity';
import { onboardingProgress } from '../onboarding-progress';
import { SIGNER_MAX_LENGTH } from '../provenance/chart-provenance.service';

import {
  MAX_ALLOWED_KIND_LENGTH,
  MAX_ALLOWED_KINDS,
  POD_SECURITY_MAX_LENGTH,
} from './render-policy.dto';

export class OnboardingProgressResponse {
  @ApiProperty({
    enum: ONBOARDING_STEPS,
    enumName: 'OnboardingStep',
    nullable: true,
    maxLength: longestOf(ONBOARDING_STEPS),
    example: 'mirroring',
    description: 'The step running now, or the step a rejection stopped at; null before an upload.',
  })
  step!: OnboardingStep | null;

  @ApiProperty({
    ...COUNT_SCHEMA,
    example: 1,
    description: 'Images mirrored (or found already mirrored) so far.',
  })
  images_done!: number;

  @ApiProperty({
    ...COUNT_SCHEMA,
    example: 2,
    description: 'Images the rendered chart uses (known from the mirroring step on).',
  })
  images_total!: number;

  @ApiProperty({ type: 'integer', format: 'int32', example: 57, minimum: 0, maximum: 100 })
  percent!: number;
}

export class PackageResponse {
  @ApiProperty({
    ...SHA256_HEX_SCHEMA,
    example: '3f1c0a8e5b0d4e7f9a2b6c1d8e4f0a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f',
    description: 'sha256, hex.',
  })
  digest!: string;

  @ApiProperty({ ...COUNT_SCHEMA, example: 4096, description: 'Bytes.' })
  size!: number;
}

export class ImageMirrorResponse {
  @ApiProperty({
    example: 'docker.io/ealen/echo-server:0.9.2',
    description: 'The image as the chart names it.',
  })
  source!: string;

  @ApiProperty({ example: 'registry.nemo.eu/mirror/docker.io/ealen/echo-server:0.9.2' })
  mirrored!: string;

  @ApiProperty({
    example: 'sha256:5c6f3b1a0b2c4d6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6',
  })
  digest!: string;

  @ApiProperty({ description: 'false when the NEMO registry already held this digest.' })
  copied!: boolean;

  @ApiProperty({
    enum: COMPANION_KINDS,
    enumName: 'ImageCompanionKind',
    isArray: true,
    maxItems: COMPANION_KINDS.length,
    example: ['sig'],
    description:
      'The cosign companion tags of `digest` found in the source registry — `sha256-<hex>.sig` ' +
      '(signature), `.att` (attestation), `.sbom` — and copied along into the mirror repository ' +
      'under the same tag names. Empty when the source holds none.',
  })
  companions!: CompanionKind[];
}

export class ProvenanceResponse {
  @ApiProperty({
    maxLength: SIGNER_MAX_LENGTH,
    example: 'NEMO Charts <charts@nemo.example.eu>',
    description: 'The signing key’s user id(s), as `helm verify` reports them.',
  })
  signer!: string;

  @ApiProperty({
    pattern: '^[0-9A-F]{16,64}$',
    maxLength: 64,
    example: '5E615389B53CA37F0EE60BD3843BBF981FC18762',
    description: 'Fingerprint of the signing key (hex), as listed in the keyring (CHART_KEYRING).',
  })
  key_fingerprint!: string;
}

export class RenderPolicyResponse {
  @ApiProperty({
    type: [String],
    maxItems: MAX_ALLOWED_KINDS,
    items: { type: 'string', maxLength: MAX_ALLOWED_KIND_LENGTH },
    example: [],
    description:
      'Kinds beyond the namespaced application kinds an admin allowed for its instances (`Kind` or `group/Kind`).',
  })
  allowed_kinds!: string[];

  @ApiProperty({
    enum: POD_SECURITY_PROFILES,
    enumName: 'PodSecurityProfile',
    nullable: true,
    maxLength: POD_SECURITY_MAX_LENGTH,
    example: 'restricted',
    description: 'Pod Security profile set by an admin; null: the configured default.',
  })
  pod_security!: PodSecurityProfile | null;
}

export class WorkloadResponse {
  @ApiProperty({ ...ID_SCHEMA, example: 4 }) id!: number;
  @ApiProperty({
    example: 'echo-server',
    maxLength: DNS_LABEL_MAX_LENGTH,
    pattern: WORKLOAD_NAME.source,
  })
  name!: string;
  @ApiProperty({ example: '0.5.5', maxLength: VERSION_MAX_LENGTH }) version!: string;
  @ApiProperty({ enum: WORKLOAD_TYPES, enumName: 'WorkloadType', example: 'chart' })
  type!: WorkloadType;
  @ApiProperty({ enum: WORKLOAD_STATUSES, enumName: 'WorkloadStatus', example: 'accepted' })
  status!: WorkloadStatus;
  @ApiProperty({ example: false }) ingress_support!: boolean;
  @ApiProperty({
    example: 'Echo server for connectivity tests',
    nullable: true,
    type: String,
    maxLength: DESCRIPTION_MAX_LENGTH,
  })
  description!: string | null;
  @ApiProperty({
    example: 'alice',
    maxLength: CLAIM_MAX_LENGTH,
    description: 'Subject of the token that registered it.',
  })
  owner!: string;
  @ApiProperty({ example: 'tenant-a', maxLength: CLAIM_MAX_LENGTH }) tenant!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    maxLength: REJECTION_REASON_MAX_LENGTH,
    example: 'helm lint failed:\n[ERROR] Chart.yaml: invalid icon URL',
    description: 'Why onboarding rejected the upload (status rejected); null otherwise.',
  })
  rejection_reason!: string | null;
  @ApiProperty({ type: OnboardingProgressResponse }) onboarding!: OnboardingProgressResponse;
  @ApiPropertyOptional({
    type: PackageResponse,
    nullable: true,
    description: 'The last uploaded package.',
  })
  package!: PackageResponse | null;
  @ApiProperty({
    type: ProvenanceResponse,
    nullable: true,
    description:
      'Who signed the accepted chart: its `.prov` was verified with `helm verify` against the ' +
      'keyring of trusted signers and is published beside the package. null: unsigned (or not yet accepted).',
  })
  provenance!: ProvenanceResponse | null;
  @ApiProperty({
    type: RenderPolicyResponse,
    description: 'What its instances may render besides the defaults (set by admins).',
  })
  render_policy!: RenderPolicyResponse;
  @ApiProperty({ ...TIMESTAMP_SCHEMA, example: '2024-07-09T14:17:36.590Z' }) created_at!: string;
  @ApiProperty({ ...TIMESTAMP_SCHEMA, example: '2024-07-09T14:18:02.117Z' }) updated_at!: string;
}

export class WorkloadDetailResponse extends WorkloadResponse {
  @ApiProperty({
    type: [ImageMirrorResponse],
    description:
      'Images mirrored for this chart: those of the render with default values (hook templates ' +
      'included) and those Chart.yaml declares in its artifacthub.io/images annotation, each with ' +
      'the cosign companion tags copied along.',
  })
  images!: ImageMirrorResponse[];
}

export function toWorkloadResponse(document: WorkloadDocument): WorkloadResponse {
  return {
    id: document.id,
    name: document.name,
    version: document.version,
    type: document.type,
    status: document.status,
    ingress_support: document.ingressSupport,
    description: document.description,
    owner: document.owner,
    tenant: document.tenant,
    rejection_reason: document.rejectionReason,
    onboarding: onboardingProgress(document),
    package:
      document.packageDigest === null
        ? null
        : { digest: document.packageDigest, size: document.packageSize ?? 0 },
    provenance:
      document.provenanceSigner && document.provenanceKeyFingerprint
        ? { signer: document.provenanceSigner, key_fingerprint: document.provenanceKeyFingerprint }
        : null,
    render_policy: {
      allowed_kinds: document.allowedKinds,
      pod_security: document.podSecurityProfile,
    },
    created_at: document.createdAt.toISOString(),
    updated_at: document.updatedAt.toISOString(),
  };
}

export function toWorkloadDetailResponse(
  document: WorkloadDocument,
  mirrors: WorkloadImageMirror[],
): WorkloadDetailResponse {
  return {
    ...toWorkloadResponse(document),
    images: mirrors.map((mirror) => ({
      source: mirror.source,
      mirrored: mirror.mirrored,
      digest: mirror.digest,
      copied: mirror.copied,
      companions: mirror.companions,
    })),
  };
}

export function toWorkloadPageResponse(
  documents: WorkloadDocument[],
  meta: PageMeta,
): Page<WorkloadResponse> {
  return { items: documents.map(toWorkloadResponse), meta };
}
