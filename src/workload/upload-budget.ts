import { Injectable } from '@nestjs/common';
import { OnboardingConfig } from '../config/slices/onboarding.config';
import { TenantUploadsBusyError, UploadCapacityExhaustedError } from './workload.errors';

/**
 * The bytes of the uploads an api process reads at once. Packages are read into memory whole, so
 * without a bound a tenant opening many large, slow uploads holds the process's memory. Each
 * upload reserves what its request may carry (its Content-Length, or the most an upload may be)
 * before its body is read: at most WORKLOAD_UPLOADS_MAX_BYTES in all and
 * WORKLOAD_UPLOADS_MAX_BYTES_PER_TENANT for one tenant, so one tenant cannot take the whole
 * budget. An upload alone is always let in, so a budget below the largest package still serves
 * one at a time: memory stays below the budget plus one upload.
 */
@Injectable()
export class UploadBudget {
  private reserved = 0;
  private readonly reservedByTenant = new Map<string, number>();

  constructor(private readonly config: OnboardingConfig) {}

  /** Reserves `bytes` for `tenant` and returns their release, or throws the refusal (429, 503). */
  reserve(tenant: string, bytes: number): () => void {
    const tenantReserved = this.reservedByTenant.get(tenant) ?? 0;
    if (!fits(tenantReserved, bytes, this.config.WORKLOAD_UPLOADS_MAX_BYTES_PER_TENANT)) {
      throw new TenantUploadsBusyError(tenant, this.config.WORKLOAD_UPLOADS_MAX_BYTES_PER_TENANT);
    }
    if (!fits(this.reserved, bytes, this.config.WORKLOAD_UPLOADS_MAX_BYTES)) {
      throw new UploadCapacityExhaustedError(this.config.WORKLOAD_UPLOADS_MAX_BYTES);
    }
    this.reserved += bytes;
    this.reservedByTenant.set(tenant, tenantReserved + bytes);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release(tenant, bytes);
    };
  }

  private release(tenant: string, bytes: number): void {
    this.reserved -= bytes;
    const left = (this.reservedByTenant.get(tenant) ?? bytes) - bytes;
    if (left === 0) this.reservedByTenant.delete(tenant);
    else this.reservedByTenant.set(tenant, left);
  }
}

function fits(reserved: number, bytes: number, budget: number): boolean {
  return reserved === 0 || reserved + bytes <= budget;
}
