import { S3Client } from '@aws-sdk/client-s3';
import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { S3_CREDENTIALS_PROVIDER } from '../../config/config.module';
import { HelmRepositoryConfig } from '../../config/slices/helm-repository.config';
import { S3Config } from '../../config/slices/s3.config';
import { S3CredentialsConfig } from '../../config/slices/s3-credentials.config';
import { CHART_STORE } from './chart-store.port';
import { S3ChartStore } from './s3-chart-store';

/** The configured S3 client (AWS, MinIO, Ceph or the local s3rver). */
export const S3_CLIENT = Symbol('S3_CLIENT');

export interface BucketLocation {
  bucket: string;
  /** Key prefix of the Helm repository inside the bucket, without a trailing slash ('' at root). */
  prefix: string;
}

/** `s3://nemo/charts` → `{bucket: 'nemo', prefix: 'charts'}` */
export function parseBucketPath(path: string): BucketLocation {
  const [bucket, ...rest] = path.replace(/^s3:\/\//, '').split('/');
  return { bucket, prefix: rest.filter(Boolean).join('/') };
}

export function createS3Client(config: S3Config, credentials: S3CredentialsConfig): S3Client {
  return new S3Client({
    endpoint: config.AWS_ENDPOINT,
    region: config.AWS_DEFAULT_REGION,
    forcePathStyle: config.AWS_S3_FORCE_PATH_STYLE,
    credentials: {
      accessKeyId: credentials.AWS_ACCESS_KEY_ID,
      secretAccessKey: credentials.AWS_SECRET_ACCESS_KEY,
    },
    // Checksums only where S3 requires them: some S3-compatible stores otherwise keep the
    // aws-chunked framing inside the stored object.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  });
}

/**
 * The S3 client, and the Helm repository's bucket path as a ChartStore (CHART_STORE). The only
 * module that sees the S3 credentials: it provides them to itself and exports only the client.
 */
@Global()
@Module({
  providers: [
    S3_CREDENTIALS_PROVIDER,
    { provide: S3_CLIENT, inject: [S3Config, S3CredentialsConfig], useFactory: createS3Client },
    {
      provide: CHART_STORE,
      inject: [S3_CLIENT, HelmRepositoryConfig],
      useFactory: (client: S3Client, config: HelmRepositoryConfig) =>
        new S3ChartStore(client, config),
    },
  ],
  exports: [S3_CLIENT, CHART_STORE],
})
export class S3Module implements OnApplicationShutdown {
  constructor(@Inject(S3_CLIENT) private readonly client: S3Client) {}

  onApplicationShutdown(): void {
    this.client.destroy();
  }
}
