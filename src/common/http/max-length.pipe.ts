import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { BadRequestError } from '../errors/domain-error';

/** A text path parameter of at most `max` characters (the bound its ApiParam declares). */
@Injectable()
export class MaxLengthPipe implements PipeTransform<string, string> {
  constructor(private readonly max: number) {}

  transform(value: string, metadata: ArgumentMetadata): string {
    if (value.length >= 1 && value.length <= this.max) return value;
    const field = metadata.data ?? 'parameter';
    throw new BadRequestError('validation_failed', `Invalid request: check ${field}`, [
      { field, reason: `${field} must be 1 to ${this.max} characters long` },
    ]);
  }
}
