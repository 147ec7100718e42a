import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { DNS_LABEL_MAX_LENGTH } from '../../common/validation/bounds';
import { CLUSTER_NAME, CLUSTER_NAME_MESSAGE, MAX_CLUSTER_NAME } from '../../cluster/cluster-names';
import { CreateIntentDto } from '../../intent/dto/create-intent.dto';

/** RFC 1123 label: what Kubernetes and helm accept as a release name or a namespace. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_MESSAGE =
  '$property must be a DNS-1123 label: lowercase letters, digits and "-", alphanumeric at both ends';
export const MAX_RELEASE_NAME = 53;
export const MAX_INLINE_INTENTS = 16;

export class CreateInstanceDto {
  @ApiProperty({
    example: 'shop',
    maxLength: MAX_RELEASE_NAME,
    pattern: DNS_LABEL.source,
    description: 'The helm release name; unique among the live instances of your tenant.',
  })
  @IsString()
  @MaxLength(MAX_RELEASE_NAME)
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  release_name!: string;

  @ApiPropertyOptional({
    example: 'edge-apps',
    maxLength: DNS_LABEL_MAX_LENGTH,
    pattern: DNS_LABEL.source,
    description:
      'Namespace passed to `helm template --namespace`; rendered objects may name no other. Default: ' +
      "helm's `default`. System namespaces (RENDER_POLICY_SYSTEM_NAMESPACES) are refused (422).",
  })
  @IsOptional()
  @IsString()
  @MaxLength(DNS_LABEL_MAX_LENGTH)
  @Matches(DNS_LABEL, { message: DNS_LABEL_MESSAGE })
  namespace?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { replicaCount: 2, service: { port: 8080 } },
    description:
      'Chart values, given to helm as a values file (size limit: INSTANCE_VALUES_MAX_BYTES).',
  })
  @IsOptional()
  @IsObject()
  values?: Record<string, unknown>;

  @ApiPropertyOptional({
    default: false,
    description:
      'Expose the Services annotated `nemo.eu/ingress-expose: "true"` through the NEMO ingress. ' +
      'Requires a workload document created with ingress_support.',
  })
  @IsOptional()
  @IsBoolean()
  ingress_enabled?: boolean;

  @ApiPropertyOptional({
    maxLength: MAX_CLUSTER_NAME,
    pattern: CLUSTER_NAME.source,
    example: 'k3s-cluster',
    description:
      'The target cluster, passed on in the `run` event. When a cluster profile of this name exists, helm ' +
      'renders for its Kubernetes and API versions, into its default namespace (when `namespace` is not ' +
      'given), exposed with its ingress class and domain.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CLUSTER_NAME)
  @Matches(CLUSTER_NAME, { message: CLUSTER_NAME_MESSAGE })
  cluster_name?: string;

  @ApiPropertyOptional({
    type: [CreateIntentDto],
    maxItems: MAX_INLINE_INTENTS,
    description:
      'Intents about this instance, created with it. Each expectation object gets object_type ' +
      'NEMO_WORKLOAD and object_instance = the new instance_id (whatever was sent there).',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_INLINE_INTENTS)
  @ValidateNested({ each: true })
  @Type(() => CreateIntentDto)
  intents?: CreateIntentDto[];
}
