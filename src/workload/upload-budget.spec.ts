import { OnboardingConfig } from '../config/slices/onboarding.config';
import { UploadBudget } from './upload-budget';
import { TenantUploadsBusyError, UploadCapacityExhaustedError } from './workload.errors';

function budget(total: number, perTenant: number): UploadBudget {
  return new UploadBudget(
    Object.assign(new OnboardingConfig(), {
      WORKLOAD_UPLOADS_MAX_BYTES: total,
      WORKLOAD_UPLOADS_MAX_BYTES_PER_TENANT: perTenant,
    }),
  );
}

describe('UploadBudget', () => {
  it('refuses a tenant past its own budget with 429, while others and smaller uploads still fit', () => {
    const uploads = budget(100, 50);
    uploads.reserve('a', 30);
    expect(() => uploads.reserve('a', 21)).toThrow(TenantUploadsBusyError);
    expect(() => uploads.reserve('a', 21)).toThrow(/tenant a .* exceed 50 bytes/);
    expect(() => uploads.reserve('a', 20)).not.toThrow();
    expect(() => uploads.reserve('b', 50)).not.toThrow();
  });

  it('refuses every tenant with 503 once the process budget would be exceeded', () => {
    const uploads = budget(100, 60);
    uploads.reserve('a', 60);
    uploads.reserve('b', 30);
    expect(() => uploads.reserve('c', 11)).toThrow(UploadCapacityExhaustedError);
    expect(() => uploads.reserve('c', 11)).toThrow(/exceed 100 bytes/);
    expect(() => uploads.reserve('c', 10)).not.toThrow();
  });

  it('lets an upload larger than the budgets in while nothing else is reserved, and only then', () => {
    const uploads = budget(100, 50);
    const release = uploads.reserve('a', 500);
    expect(() => uploads.reserve('b', 1)).toThrow(UploadCapacityExhaustedError);
    release();
    expect(() => uploads.reserve('b', 100)).not.toThrow();
    expect(() => uploads.reserve('b', 1)).toThrow(TenantUploadsBusyError);
  });

  it('gives released bytes back once, however often the release is called', () => {
    const uploads = budget(100, 100);
    const release = uploads.reserve('a', 60);
    uploads.reserve('b', 40);
    release();
    release();
    uploads.reserve('c', 60);
    expect(() => uploads.reserve('d', 1)).toThrow(UploadCapacityExhaustedError);
  });
});
