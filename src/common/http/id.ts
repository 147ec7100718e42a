import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  ParseUUIDPipe,
} from '@nestjs/common';
import { ApiParam, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { Request } from 'express';
import { BadRequestError } from '../errors/domain-error';
import { ID_SCHEMA, INT32_MAX } from '../validation/bounds';

/** The largest PostgreSQL `integer` (int4): every serial id of this API fits. */
export const MAX_ID = INT32_MAX;

/** Plain decimal digits without sign, spaces, leading zeros, exponent or fraction. */
const CANONICAL_INTEGER = /^(0|[1-9]\d{0,9})$/;

const ID_RULE = `must be a decimal integer id from 1 to ${MAX_ID}`;

/**
 * The number a query or path string stands for when it is a canonical decimal integer within int4,
 * otherwise undefined. `Number()` alone would take `0x10`, `1e3`, `+16`, ` 16` and `16.0`.
 */
export function canonicalInteger(text: string): number | undefined {
  if (!CANONICAL_INTEGER.test(text)) return undefined;
  const value = Number(text);
  return value <= MAX_ID ? value : undefined;
}

/** A path id: a canonical decimal integer from 1 to MAX_ID, otherwise a 400 naming the parameter. */
export function parseId(text: unknown, field: string): number {
  const id = typeof text === 'string' ? canonicalInteger(text) : undefined;
  if (id !== undefined && id >= 1) return id;
  throw new BadRequestError('invalid_id', `Invalid request: check ${field}`, [
    { field, reason: `${field} ${ID_RULE}` },
  ]);
}

export interface IdParamDoc {
  description?: string;
  example?: number;
}

/**
 * `@IdParam('id')`: the path parameter as a strict int4 id, documented as such. A custom decorator on
 * purpose: the global ValidationPipe turns a `number` @Param into `+value` before any param pipe
 * sees it, and `+'1e3'` is 1000.
 */
export function IdParam(name = 'id', doc: IdParamDoc = {}): ParameterDecorator {
  const decorator = createParamDecorator(
    (field: string, context: ExecutionContext) =>
      parseId(context.switchToHttp().getRequest<Request>().params[field], field),
    [
      (target: object, key: string | symbol | undefined) => {
        if (key === undefined) return;
        const descriptor = Object.getOwnPropertyDescriptor(target, key);
        if (!descriptor) return;
        const schema = { ...ID_SCHEMA, example: doc.example };
        ApiParam({ name, description: doc.description, schema })(target, key, descriptor);
      },
    ],
  );
  return decorator(name);
}

/** For query DTOs: a canonical integer string becomes its number; anything else stays as sent, for the validators to refuse. */
export const ToCanonicalInteger = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? (canonicalInteger(value) ?? value) : value,
  );

/** An optional id filter of a list query (e.g. `workload_document_id`), parsed like IdParam. */
export const IdQueryField = (description: string): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ ...ID_SCHEMA, description }),
    IsOptional(),
    ToCanonicalInteger(),
    IsInt({ message: `$property ${ID_RULE}` }),
    Min(1, { message: `$property ${ID_RULE}` }),
    Max(MAX_ID, { message: `$property ${ID_RULE}` }),
  );

/** A UUID path parameter (any version, hyphenated, nothing around it); a 400 naming it otherwise. */
export function uuidPipe(field: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () =>
      new BadRequestError('invalid_id', `Invalid request: check ${field}`, [
        { field, reason: `${field} must be a UUID such as 936623ae-8969-4d73-8c04-527d1cb815ac` },
      ]),
  });
}
