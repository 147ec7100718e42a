import { IsString, MinLength } from 'class-validator';

/** The S3 access key and secret. Provided only inside S3Module (S3_CREDENTIALS_PROVIDER), where the client is built: no other class can inject them. */
export class S3CredentialsConfig {
  @IsString()
  @MinLength(1)
  AWS_ACCESS_KEY_ID!: string;

  @IsString()
  @MinLength(1)
  AWS_SECRET_ACCESS_KEY!: string;
}
