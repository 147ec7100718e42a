import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';
import { toInt, URL_OPTIONS } from '../setting-decorators';

/** The NEMO Helm repository (helm-s3 layout): its bucket path, the name clients add it under, its URLs and how index.yaml is written. */
export class HelmRepositoryConfig {
  @Matches(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9._\-/]*)?$/, {
    message: 'must be an s3:// bucket path such as s3://nemo/charts',
  })
  HELM_REPOSITORY_BUCKET!: string;

  /** The name clients add the repository under (`helm repo add <name> <url>`, `helm pull <name>/<chart>`). */
  @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'must be a lowercase name' })
  @MaxLength(63)
  HELM_REPOSITORY_NAME = 'nemo';

  @IsOptional()
  @IsUrl(URL_OPTIONS)
  HELM_REPOSITORY_PUBLIC_URL?: string;

  @IsIn(['relative', 'http', 's3'])
  HELM_REPOSITORY_CHART_URLS: 'relative' | 'http' | 's3' = 'relative';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(1024 * 1024)
  HELM_INDEX_ENTRY_MAX_BYTES = 32 * 1024;

  @IsIn(['both', 'conditional', 'lock'])
  HELM_INDEX_WRITE_MODE: 'both' | 'conditional' | 'lock' = 'both';
}
