import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  PayloadTooLargeException,
} from '@nestjs/common';
import { FileFieldsInterceptor } from '@nestjs/platform-express';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { assertNoForbiddenInput } from '../common/http/forbidden-input';
import { OnboardingConfig } from '../config/slices/onboarding.config';
import { PackageTooLargeError } from './workload.errors';

/** The multipart parts of an upload: the package and, optionally, its provenance file. */
export interface ChartUploadParts {
  file?: Array<{ buffer: Buffer }>;
  provenance?: Array<{ buffer: Buffer }>;
}

/**
 * Reads the multipart parts `file` (the package) and `provenance` (its `.prov`, optional) into
 * memory (multer), each capped at WORKLOAD_PACKAGE_MAX_BYTES: a larger upload stops being read and
 * answers 413 with a problem body naming the limit (the service caps the .prov lower).
 */
@Injectable()
export class ChartPackageInterceptor implements NestInterceptor {
  private readonly multer: NestInterceptor;

  constructor(private readonly config: OnboardingConfig) {
    const Multer = FileFieldsInterceptor(
      [
        { name: 'file', maxCount: 1 },
        { name: 'provenance', maxCount: 1 },
      ],
      { limits: { fileSize: config.WORKLOAD_PACKAGE_MAX_BYTES, files: 2, fields: 10, parts: 12 } },
    );
    this.multer = new Multer({});
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<Request>();
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
