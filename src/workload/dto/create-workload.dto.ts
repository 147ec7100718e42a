import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  registerDecorator,
  ValidationOptions,
} from 'class-validator';
import { DESCRIPTION_MAX_LENGTH, DNS_LABEL_MAX_LENGTH } from '../../common/validation/bounds';
import { WORKLOAD_TYPES, WorkloadType } from '../entities/workload-document.entity';

export const VERSION_MAX_LENGTH = 128;
/** A chart name: a lowercase DNS-1123 label. */
export const WORKLOAD_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** semver.org's own expression: SemVer 2 with optional pre-release and build metadata, no "v". */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** A strict SemVer 2 version, as helm requires for chart versions. */
function IsSemVer(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isSemVer',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: '$property must be a SemVer 2 version such as 1.2.3', ...options },
      validator: {
        validate: (value: unknown) => typeof value === 'string' && SEMVER.test(value),
      },
    });
}

export class CreateWorkloadDto {
  @ApiProperty({
    example: 'echo-server',
    maxLength: DNS_LABEL_MAX_LENGTH,
    pattern: WORKLOAD_NAME.source,
    description: "The Helm chart's name: a lowercase DNS-1123 label; must equal Chart.yaml's name.",
  })
  @IsString()
  @MaxLength(DNS_LABEL_MAX_LENGTH)
  @Matches(WORKLOAD_NAME, {
    message:
      'name must be a lowercase DNS-1123 label (a-z, 0-9 and "-", starting and ending alphanumeric)',
  })
  name!: string;

  @ApiProperty({
    example: '0.5.5',
    maxLength: VERSION_MAX_LENGTH,
    description: "SemVer 2 version; must equal Chart.yaml's version.",
  })
  @IsString()
  @MaxLength(VERSION_MAX_LENGTH)
  @IsSemVer()
  version!: string;

  @ApiProperty({ enum: WORKLOAD_TYPES, enumName: 'WorkloadType', example: 'chart' })
  @IsIn(WORKLOAD_TYPES)
  type!: WorkloadType;

  @ApiPropertyOptional({
    default: false,
    description: 'Whether instances may be exposed through the NEMO ingress (ingress_enabled).',
  })
  @IsOptional()
  @IsBoolean()
  ingress_support?: boolean;

  @ApiPropertyOptional({
    example: 'Echo server for connectivity tests',
    maxLength: DESCRIPTION_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxLength(DESCRIPTION_MAX_LENGTH)
  description?: string;
}
