import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  PayloadTooLargeException,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { assertNoForbiddenInput } from '../common/http/forbidden-input';
import { AppConfig } from '../config/app-config';
import { PackageTooLargeError } from './workload.errors';

/**
 * Reads the multipart field `file` into memory (multer), capped at WORKLOAD_PACKAGE_MAX_BYTES:
 * a larger upload stops being read and answers 413 with a problem body naming the limit.
 */
@Injectable()
export class ChartPackageInterceptor implements NestInterceptor {
  private readonly multer: NestInterceptor;

  constructor(private readonly config: AppConfig) {
    const Multer = FileInterceptor('file', {
      limits: { fileSize: config.WORKLOAD_PACKAGE_MAX_BYTES, files: 1, fields: 10, parts: 12 },
    });
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
