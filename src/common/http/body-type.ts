import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiConsumes } from '@nestjs/swagger';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { DomainError } from '../errors/domain-error';
import { JSON_MEDIA_TYPES } from './json-body';

const BODY_TYPE = 'nemo:body-type';
const MULTIPART = 'multipart/form-data';
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Marks a route whose body is multipart/form-data (uploads); every other write route takes JSON. */
export const MultipartBody = (): MethodDecorator =>
  applyDecorators(SetMetadata(BODY_TYPE, MULTIPART), ApiConsumes(MULTIPART));

function hasBody(request: Request): boolean {
  const length = request.headers['content-length'];
  return (
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}

/**
 * 415 for a write request whose body is not of the route's media type. Without it a PATCH with a
 * text/plain body would be read as an empty change and answer 200.
 */
@Injectable()
export class RequireBodyTypeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    if (!WRITE_METHODS.has(request.method) || !hasBody(request)) return next.handle();
    const multipart =
      this.reflector.get<string | undefined>(BODY_TYPE, context.getHandler()) === MULTIPART;
    const accepted = multipart ? [MULTIPART] : JSON_MEDIA_TYPES;
    if (request.is(accepted)) return next.handle();
    const given = request.headers['content-type'] ?? 'none';
    throw new DomainError(
      415,
      'unsupported_media_type',
      'Unsupported Media Type',
      `This route takes ${multipart ? MULTIPART : 'application/json'} bodies, not ${given}`,
    );
  }
}
