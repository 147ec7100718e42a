import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { toBoolean, toInt } from '../setting-decorators';

/** The NEMO OCI registry (credentials included) and how source registries are reached: skopeo, the registry HTTP client and the image mirror. */
export class RegistryConfig {
  @Matches(/^[A-Za-z0-9.-]+(:\d+)?(\/[a-z0-9._\-/]+)?$/, {
    message: 'must be host[:port][/path] of the NEMO OCI registry',
  })
  REGISTRY_HOST!: string;

  @IsOptional()
  @IsString()
  REGISTRY_USERNAME?: string;

  @IsOptional()
  @IsString()
  REGISTRY_PASSWORD?: string;

  @Transform(toBoolean)
  @IsBoolean()
  REGISTRY_TLS_VERIFY = true;

  @Matches(/^([a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*)?$/, {
    message: 'must be a registry repository path such as nemo/mirror (or empty)',
  })
  REGISTRY_MIRROR_PATH = 'mirror';

  @Transform(toInt)
  @IsInt()
  @Min(100)
  REGISTRY_HTTP_TIMEOUT_MS = 15000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60000)
  REGISTRY_CONNECT_TIMEOUT_MS = 3000;

  @Transform(toBoolean)
  @IsBoolean()
  SOURCE_REGISTRY_TLS_VERIFY = true;

  @IsOptional()
  @IsString()
  SOURCE_REGISTRY_AUTH_FILE?: string;
}
