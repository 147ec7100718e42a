import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Page, PageMeta } from '../../common/pagination/pagination';
import { WorkloadStatus } from '../../events/payloads';
import {
  ONBOARDING_STEPS,
  OnboardingStep,
  WORKLOAD_STATUSES,
  WORKLOAD_TYPES,
  WorkloadDocument,
  WorkloadType,
} from '../entities/workload-document.entity';
import { WorkloadImageMirror } from '../entities/workload-image-mirror.entity';
import { onboardingProgress } from '../onboarding-progress';

export class OnboardingProgressResponse {
  @ApiProperty({
    enum: ONBOARDING_STEPS,
    enumName: 'OnboardingStep',
    nullable: true,
    example: 'mirroring',
    description: 'The step running now, or the step a rejection stopped at; null before an upload.',
  })
  step!: OnboardingStep | null;

  @ApiProperty({
    type: 'integer',
    example: 1,
    description: 'Images mirrored (or found already mirrored) so far.',
  })
  images_done!: number;

  @ApiProperty({
    type: 'integer',
    example: 2,
    description: 'Images the rendered chart uses (known from the mirroring step on).',
  })
  images_total!: number;

  @ApiProperty({ type: 'integer', example: 57, minimum: 0, maximum: 100 })
  percent!: number;
}

export class PackageResponse {
  @ApiProperty({
    example: '3f1c0a8e5b0d4e7f9a2b6c1d8e4f0a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f',
    description: 'sha256, hex.',
  })
  digest!: string;

  @ApiProperty({ type: 'integer', example: 4096, description: 'Bytes.' })
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
}

export class WorkloadResponse {
  @ApiProperty({ example: 4 }) id!: number;
  @ApiProperty({ example: 'echo-server' }) name!: string;
  @ApiProperty({ example: '0.5.5' }) version!: string;
  @ApiProperty({ enum: WORKLOAD_TYPES, enumName: 'WorkloadType', example: 'chart' })
  type!: WorkloadType;
  @ApiProperty({ enum: WORKLOAD_STATUSES, enumName: 'WorkloadStatus', example: 'accepted' })
  status!: WorkloadStatus;
  @ApiProperty({ example: false }) ingress_support!: boolean;
  @ApiProperty({ example: 'Echo server for connectivity tests', nullable: true, type: String })
  description!: string | null;
  @ApiProperty({ example: 'alice', description: 'Subject of the token that registered it.' })
  owner!: string;
  @ApiProperty({ example: 'tenant-a' }) tenant!: string;
  @ApiProperty({
    nullable: true,
    type: String,
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
  @ApiProperty({ example: '2024-07-09T14:17:36.590Z' }) created_at!: string;
  @ApiProperty({ example: '2024-07-09T14:18:02.117Z' }) updated_at!: string;
}

export class WorkloadDetailResponse extends WorkloadResponse {
  @ApiProperty({ type: [ImageMirrorResponse], description: 'Images mirrored for this chart.' })
  images!: ImageMirrorResponse[];
}

export class WorkloadPageResponse implements Page<WorkloadResponse> {
  @ApiProperty({ type: [WorkloadResponse] }) items!: WorkloadResponse[];
  @ApiProperty({ type: PageMeta }) meta!: PageMeta;
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
    })),
  };
}

export function toWorkloadPageResponse(
  documents: WorkloadDocument[],
  meta: PageMeta,
): WorkloadPageResponse {
  return { items: documents.map(toWorkloadResponse), meta };
}
