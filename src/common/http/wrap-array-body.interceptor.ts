import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { Observable } from 'rxjs';

/**
 * Accepts a bare JSON array where a route's body is `{<field>: [...]}`, by wrapping it before
 * validation: clients written against the list form and the object form both work.
 */
@Injectable()
export class WrapArrayBodyInterceptor implements NestInterceptor {
  constructor(private readonly field: string) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    if (Array.isArray(request.body)) request.body = { [this.field]: request.body };
    return next.handle();
  }
}
