import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiConsumes } from '@nestjs/swagger';
import type { Request } from 'express';
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
 * text/plain body would be read as an empty change and answer 200. A guard, registered after the
 * AuthGuard (so 401 and 403 come first): as the only global interceptor it put an rxjs pipeline
 * around every request.
 */
@Injectable()
export class RequireBodyTypeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!WRITE_METHODS.has(request.method) || !hasBody(request)) return true;
    const multipart =
      this.reflector.get<string | undefined>(BODY_TYPE, context.getHandler()) === MULTIPART;
    const accepted = multipart ? [MULTIPART] : JSON_MEDIA_TYPES;
    if (request.is(accepted)) return true;
    const given = request.headers['content-type'] ?? 'none';
    throw new DomainError(
      415,
      'unsupported_media_type',
      'Unsupported Media Type',
      `This route takes ${multipart ? MULTIPART : 'application/json'} bodies, not ${given}`,
    );
  }
}
