import { Transform } from 'class-transformer';
import { IsBoolean, IsString, IsUrl } from 'class-validator';
import { toBoolean, URL_OPTIONS } from '../setting-decorators';

/** Where the S3 endpoint is and how to address it; its credentials are S3CredentialsConfig, seen only by the S3 adapter module. */
export class S3Config {
  @IsUrl(URL_OPTIONS)
  AWS_ENDPOINT!: string;

  @IsString()
  AWS_DEFAULT_REGION = 'us-east-1';

  @Transform(toBoolean)
  @IsBoolean()
  AWS_S3_FORCE_PATH_STYLE = true;
}
