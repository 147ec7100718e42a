import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  PayloadTooLargeException,
} from '@nestjs/common';
import { FileFieldsInterceptor } from '@nestjs/platform-express';
import type { Response } from 'express';
import { Observable } from 'rxjs';
import { AuthenticatedRequest } from '../auth/auth.decorators';
import { assertNoForbiddenInput } from '../common/http/forbidden-input';
import { OnboardingConfig } from '../config/slices/onboarding.config';
import { UploadBudget } from './upload-budget';
import { partCappedMemoryStorage } from './part-capped-memory-storage';
import { PackageTooLargeError, PROVENANCE_MAX_BYTES, provenanceTooLarge } from './workload.errors';

/** Multipart text fields an upload may carry besides its files, and the size of each. */
const FIELDS = 10;
const FIELD_MAX_BYTES = 64 * 1024;
/** Part headers and boundaries of two files and the fields, with room to spare. */
const FRAMING_BYTES = 64 * 1024;

/** The multipart parts of an upload: the package and, optionally, its provenance file. */
export interface ChartUploadParts {
  file?: Array<{ buffer: Buffer }>;
  provenance?: Array<{ buffer: Buffer }>;
}

/**
 * Reads the multipart parts `file` (the package) and `provenance` (its `.prov`, optional) into
 * memory (multer): a package over WORKLOAD_PACKAGE_MAX_BYTES answers 413 with a problem body naming
 * the limit, a `.prov` over PROVENANCE_MAX_BYTES (or the package limit, if lower) 400 naming the
 * part; neither is kept past its limit (multer reads the rest of the request and drops it before
 * answering, so the client does not see its upload cut off). Reading
 * starts only once the request's bytes are reserved in the process's UploadBudget (its
 * Content-Length, or the most an upload may carry when it has none), held until the response ends;
 * a Content-Length beyond that most is 413 before any byte is read.
 */
@Injectable()
export class ChartPackageInterceptor implements NestInterceptor {
  private readonly multer: NestInterceptor;
  /** A package and a .prov at their limits, the small text fields and the multipart framing. */
  private readonly mostBytes: number;

  constructor(
    private readonly config: OnboardingConfig,
    private readonly budget: UploadBudget,
  ) {
    const packageMax = config.WORKLOAD_PACKAGE_MAX_BYTES;
    this.mostBytes =
      packageMax +
      Math.min(PROVENANCE_MAX_BYTES, packageMax) +
      FIELDS * FIELD_MAX_BYTES +
      FRAMING_BYTES;
    const Multer = FileFieldsInterceptor(
      [
        { name: 'file', maxCount: 1 },
        { name: 'provenance', maxCount: 1 },
      ],
      {
        storage: partCappedMemoryStorage({ provenance: PROVENANCE_MAX_BYTES }, provenanceTooLarge),
        limits: {
          fileSize: packageMax,
          files: 2,
          fields: FIELDS,
          fieldSize: FIELD_MAX_BYTES,
          parts: 12,
        },
      },
    );
    this.multer = new Multer({});
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const tenant = request.principal?.tenant;
    if (tenant === undefined)
      throw new Error('ChartPackageInterceptor used without authentication');
    const declared = Number(request.headers['content-length'] ?? this.mostBytes);
    if (declared > this.mostBytes) {
      throw new PackageTooLargeError(this.config.WORKLOAD_PACKAGE_MAX_BYTES);
    }
    const release = this.budget.reserve(tenant, declared);
    // 'close' follows the end of every response, an aborted upload's too.
    http.getResponse<Response>().once('close', release);
    // The text fields multer leaves in the body follow the same input rules as a JSON body.
    const checked: CallHandler = {
      handle: () => {
        assertNoForbiddenInput(request.body);
        return next.handle();
      },
    };
    try {
      return await this.multer.intercept(context, checked);
    } catch (error) {
      if (error instanceof PayloadTooLargeException) {
        throw new PackageTooLargeError(this.config.WORKLOAD_PACKAGE_MAX_BYTES);
      }
      throw error;
    }
  }
}
