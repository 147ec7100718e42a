import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  PutObjectCommandInput,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { HelmRepositoryConfig } from '../../config/slices/helm-repository.config';
import {
  ChartStore,
  ConditionalWritesUnsupported,
  ObjectChanged,
  PutOptions,
  StoredObject,
} from './chart-store.port';
import { BucketLocation, parseBucketPath } from './s3.module';

/**
 * The Helm repository's bucket path in S3 (AWS, MinIO, Ceph RGW or the local s3rver). Built by
 * S3Module's factory from its client.
 */
export class S3ChartStore implements ChartStore {
  private readonly location: BucketLocation;

  constructor(
    private readonly s3: S3Client,
    config: HelmRepositoryConfig,
  ) {
    this.location = parseBucketPath(config.HELM_REPOSITORY_BUCKET);
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const answer = await this.s3.send(
        new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }),
      );
      const bytes = Buffer.from((await answer.Body?.transformToByteArray()) ?? []);
      return { bytes, etag: answer.ETag };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async head(key: string): Promise<Record<string, string> | undefined> {
    try {
      const answer = await this.s3.send(
        new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }),
      );
      return answer.Metadata ?? {};
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async put(key: string, body: Buffer | string, options: PutOptions): Promise<void> {
    const input: PutObjectCommandInput = {
      Bucket: this.location.bucket,
      Key: this.key(key),
      Body: body,
      ContentType: options.contentType,
      CacheControl: options.cacheControl,
      Metadata: options.metadata,
      IfMatch: options.ifMatch,
      IfNoneMatch: options.ifAbsent ? '*' : undefined,
    };
    try {
      await this.s3.send(new PutObjectCommand(input));
    } catch (error) {
      if (isPreconditionFailure(error)) throw new ObjectChanged(key);
      if (isNotImplemented(error)) throw new ConditionalWritesUnsupported();
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(
      new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }),
    );
  }

  async list(): Promise<string[]> {
    const prefix = this.location.prefix ? `${this.location.prefix}/` : '';
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.location.bucket,
          Prefix: prefix,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        const name = (object.Key ?? '').slice(prefix.length);
        if (name && !name.includes('/')) keys.push(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  locate(key: string): string {
    return `${this.location.bucket}/${this.key(key)}`;
  }

  private key(file: string): string {
    return this.location.prefix ? `${this.location.prefix}/${file}` : file;
  }
}

function statusOf(error: unknown): number | undefined {
  return (error as S3ServiceException | undefined)?.$metadata?.httpStatusCode;
}

function isMissing(error: unknown): boolean {
  return (
    error instanceof NoSuchKey || (error as Error)?.name === 'NotFound' || statusOf(error) === 404
  );
}

function isPreconditionFailure(error: unknown): boolean {
  const name = (error as Error)?.name;
  return (
    name === 'PreconditionFailed' ||
    name === 'ConditionalRequestConflict' ||
    statusOf(error) === 412 ||
    statusOf(error) === 409
  );
}

function isNotImplemented(error: unknown): boolean {
  return (error as Error)?.name === 'NotImplemented' || statusOf(error) === 501;
}
