import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MaxLength,
} from 'class-validator';
import { ToCanonicalInteger } from '../../common/http/id';
import { INT32_MAX as MAX_INT4 } from '../../common/validation/bounds';
import { CLUSTER_NAME, CLUSTER_NAME_MESSAGE, MAX_CLUSTER_NAME } from '../../cluster/cluster-names';
import { VALUES_STRATEGIES, ValuesStrategy } from '../revisions/values-merge';

/** `PATCH /instances/{instance_id}`: an upgrade. Absent fields keep the current revision's. */
export class UpdateInstanceDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { replicaCount: 3, image: { tag: null } },
    description:
      'New chart values, combined with the current ones by `values_strategy` (size limit of the body and ' +
      'of the result: INSTANCE_VALUES_MAX_BYTES).',
  })
  @IsOptional()
  @IsObject()
  values?: Record<string, unknown>;

  @ApiPropertyOptional({
    enum: VALUES_STRATEGIES,
    enumName: 'ValuesStrategy',
    default: 'merge',
    description:
      '`merge`: a JSON Merge Patch (RFC 7396) onto the current values — objects merge key by key, `null` ' +
      "removes a key (the chart's default applies again), arrays and scalars replace. `replace`: `values` " +
      'become the whole new values (nulls are then passed to helm as they are).',
  })
  @IsOptional()
  @IsIn(VALUES_STRATEGIES)
  values_strategy?: ValuesStrategy;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_INT4,
    example: 12,
    description:
      'A chart upgrade: another accepted workload document of your tenant with the same chart name.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  workload_document_id?: number;

  @ApiPropertyOptional({
    description: 'Expose (or stop exposing) the annotated Services through the NEMO ingress.',
  })
  @IsOptional()
  @IsBoolean()
  ingress_enabled?: boolean;

  @ApiPropertyOptional({
    maxLength: MAX_CLUSTER_NAME,
    pattern: CLUSTER_NAME.source,
    example: 'k3s-cluster',
    description:
      'Render for (and ask the meta-Orchestrator to run on) this cluster. Default: the cluster of the ' +
      'instance (as last reported by the meta-Orchestrator or given before).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CLUSTER_NAME)
  @Matches(CLUSTER_NAME, { message: CLUSTER_NAME_MESSAGE })
  cluster_name?: string;
}

export class RollbackInstanceDto {
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_INT4,
    example: 2,
    description: 'The revision whose manifests the instance gets again.',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  revision!: number;
}

const toStrictBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** `?dry_run=true`: answer what would be rendered; store nothing, publish nothing. */
export class DryRunQuery {
  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description:
      'Only render: answer 200 with what would be rendered (for an upgrade also the diff against the ' +
      'current revision), store nothing and publish no event.',
  })
  @IsOptional()
  @Transform(toStrictBoolean)
  @IsBoolean()
  dry_run?: boolean;
}

export class DiffQuery {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_INT4,
    description:
      'The revision to compare with. Default: the one before (n-1); revision 1 without `against` is ' +
      'compared with nothing (every object added).',
  })
  @IsOptional()
  @ToCanonicalInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  against?: number;
}
