import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { BadRequestError } from '../errors/domain-error';
import { INT32_MAX } from '../validation/bounds';

/** Canonical decimal: no sign, exponent, hex, blanks, fraction or leading zero. */
const CANONICAL = /^[1-9]\d{0,9}$/;

/** `true` when `text` is a database id written the one accepted way, within the int4 range. */
export function isCanonicalId(text: string): boolean {
  return CANONICAL.test(text) && Number(text) <= INT32_MAX;
}

/**
 * A database id path parameter: only the canonical decimal form of 1 … 2³¹−1, so `1e3`, `0x10`,
 * `+16`, `016` or `16.0` never name another row and an id beyond int4 never reaches PostgreSQL.
 */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  transform(value: string, metadata: ArgumentMetadata): number {
    if (isCanonicalId(value)) return Number(value);
    const field = metadata.data ?? 'id';
    throw new BadRequestError('validation_failed', `Invalid request: check ${field}`, [
      { field, reason: `${field} must be a decimal integer from 1 to ${INT32_MAX}` },
    ]);
  }
}
