/**
 * The object store under the NEMO Helm repository (the bucket path of HELM_REPOSITORY_BUCKET),
 * behind a token so that repository logic (index updates, publishing, provenance files) is tested
 * with a fake. Keys are file names relative to the repository path (`index.yaml`, `x-1.0.0.tgz`).
 */
export const CHART_STORE = Symbol('CHART_STORE');

export interface StoredObject {
  bytes: Buffer;
  /** The store's version tag of these bytes, for a conditional write back. */
  etag?: string;
}

export interface PutOptions {
  contentType: string;
  /** User metadata (S3 `x-amz-meta-*`): lowercase ASCII keys, ASCII values. */
  metadata?: Record<string, string>;
  cacheControl?: string;
  /** Write only if the stored object still has this etag. */
  ifMatch?: string;
  /** Write only if there is no object under the key yet. */
  ifAbsent?: boolean;
}

export interface ChartStore {
  /** The object, or undefined when there is none under the key. */
  get(key: string): Promise<StoredObject | undefined>;
  /** Its user metadata (keys lowercase), or undefined when there is no object under the key. */
  head(key: string): Promise<Record<string, string> | undefined>;
  /** Rejects with ObjectChanged when a precondition failed, ConditionalWritesUnsupported when the store refuses them. */
  put(key: string, body: Buffer | string, options: PutOptions): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every key directly in the repository path (no sub-folders), in the store's order. */
  list(): Promise<string[]>;
  /** A stable name of the key across processes (`bucket/prefix/key`), for locks and logs. */
  locate(key: string): string;
}

/** Another writer changed the object between our read and our conditional write. */
export class ObjectChanged extends Error {
  constructor(key: string) {
    super(`${key} changed since it was read`);
    this.name = 'ObjectChanged';
  }
}

/** The store does not implement conditional writes (If-Match / If-None-Match). */
export class ConditionalWritesUnsupported extends Error {
  constructor() {
    super('the object store refuses conditional writes');
    this.name = 'ConditionalWritesUnsupported';
  }
}
