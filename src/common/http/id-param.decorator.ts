import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import type { Request } from 'express';
import { ID_SCHEMA } from '../validation/bounds';
import { ParseIdPipe } from './parse-id.pipe';

/**
 * The raw text of a path parameter. A custom decorator, so the global ValidationPipe leaves it as
 * it came (for `@Param()` of type number it would apply `+value` first: `1e3` → 1000).
 */
const RawPathParam = createParamDecorator((name: string, context: ExecutionContext): string => {
  const value = context.switchToHttp().getRequest<Request>().params[name];
  return typeof value === 'string' ? value : '';
});

/**
 * A database id path parameter, read by ParseIdPipe and documented with the same bounds (int32,
 * 1 … 2³¹−1) in one place: `@IdParam('id', 'Workload document id.') id: number`.
 */
export function IdParam(name: string, description: string): ParameterDecorator {
  return (target, method, index) => {
    RawPathParam(name, ParseIdPipe)(target, method, index);
    const descriptor =
      method === undefined ? undefined : Object.getOwnPropertyDescriptor(target, method);
    if (method !== undefined && descriptor)
      ApiParam({ name, required: true, description, schema: { ...ID_SCHEMA } })(
        target,
        method,
        descriptor,
      );
  };
}
