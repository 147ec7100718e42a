import { Param } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ID_SCHEMA } from '../validation/bounds';
import { ParseIdPipe } from './parse-id.pipe';

/**
 * A database id path parameter, read by ParseIdPipe and documented with the same bounds (int32,
 * 1 … 2³¹−1) in one place: `@IdParam('id', 'Workload document id.') id: number`.
 */
export function IdParam(name: string, description: string): ParameterDecorator {
  return (target, method, index) => {
    Param(name, ParseIdPipe)(target, method, index);
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
