import { BadRequestError, ConflictError, DomainError } from '../common/errors/domain-error';

export class WorkloadExistsError extends ConflictError {
  constructor(name: string, version: string) {
    super(
      'workload_exists',
      `A workload document ${name} ${version} already exists in this tenant`,
      [{ field: 'version', reason: `${name} ${version} is already registered` }],
    );
  }
}

export class WorkloadNotUploadableError extends ConflictError {
  constructor(id: number, status: string) {
    super(
      'workload_not_uploadable',
      `Workload document ${id} is ${status}: a package can be uploaded while it is pending or rejected`,
    );
  }
}

export class WorkloadNotAcceptedError extends ConflictError {
  constructor(id: number, status: string) {
    super(
      'workload_not_accepted',
      `Workload document ${id} is ${status}: only accepted documents can be instantiated`,
    );
  }
}

export class WorkloadOnboardingError extends ConflictError {
  constructor(id: number) {
    super(
      'workload_onboarding',
      `Workload document ${id} is being onboarded; delete it once onboarding ends`,
    );
  }
}

export class WorkloadInUseError extends ConflictError {
  constructor(id: number, detail: string) {
    super('workload_in_use', `Workload document ${id} is still used: ${detail}`);
  }
}

export class PackageTooLargeError extends DomainError {
  constructor(limit: number) {
    super(
      413,
      'package_too_large',
      'Content Too Large',
      `The chart package is larger than ${limit} bytes`,
      [{ field: 'file', reason: `must be at most ${limit} bytes` }],
    );
  }
}

/** A package is read within a second or so on the platform's network: a short, polite wait. */
const UPLOAD_RETRY_AFTER_SECONDS = 1;

/** The problem-details filter copies `retryAfterSeconds` into the Retry-After header. */
export class TenantUploadsBusyError extends DomainError {
  readonly retryAfterSeconds = UPLOAD_RETRY_AFTER_SECONDS;

  constructor(tenant: string, budget: number) {
    super(
      429,
      'uploads_in_progress',
      'Too Many Requests',
      `The uploads tenant ${tenant} has being read would exceed ${budget} bytes ` +
        `(WORKLOAD_UPLOADS_MAX_BYTES_PER_TENANT); retry after ${UPLOAD_RETRY_AFTER_SECONDS} s`,
    );
  }
}

/** The problem-details filter copies `retryAfterSeconds` into the Retry-After header. */
export class UploadCapacityExhaustedError extends DomainError {
  readonly retryAfterSeconds = UPLOAD_RETRY_AFTER_SECONDS;

  constructor(budget: number) {
    super(
      503,
      'upload_capacity_exhausted',
      'Service Unavailable',
      `The uploads this api process is reading would exceed ${budget} bytes ` +
        `(WORKLOAD_UPLOADS_MAX_BYTES); retry after ${UPLOAD_RETRY_AFTER_SECONDS} s`,
    );
  }
}

/** A .prov is Chart.yaml, one sha256 and a signature: a few KiB; larger is not a provenance file. */
export const PROVENANCE_MAX_BYTES = 256 * 1024;

/** The multipart part `provenance` is empty or larger than a provenance file can be. */
export class InvalidProvenancePartError extends BadRequestError {
  constructor(reason: string) {
    super(
      'validation_failed',
      'The multipart part "provenance" must be the .prov file of the package',
      [{ field: 'provenance', reason }],
    );
  }
}

/** A provenance part refused as it streamed in, once past PROVENANCE_MAX_BYTES: its size is not known. */
export function provenanceTooLarge(): InvalidProvenancePartError {
  return new InvalidProvenancePartError(
    `is over ${PROVENANCE_MAX_BYTES} bytes, the most a provenance file has; the rest was not kept`,
  );
}
