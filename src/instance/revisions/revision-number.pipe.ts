import { Injectable, PipeTransform } from '@nestjs/common';
import { BadRequestError } from '../../common/errors/domain-error';
import { canonicalInteger, MAX_ID } from '../../common/http/id';

/**
 * A revision number from the path. Handlers declare it with this type, not `number`: for a `number`
 * parameter the global ValidationPipe converts the raw text first (`1e3` → 1000, `0x10` → 16), and
 * this pipe could no longer refuse it.
 */
export type RevisionNumber = number & { readonly __revision?: never };

/** `:revision`: a canonical decimal from 1 to 2³¹-1 (no `0x10`, `1e3`, `+1`, ` 1`), or 400. */
@Injectable()
export class RevisionNumberPipe implements PipeTransform<unknown, RevisionNumber> {
  transform(value: unknown): RevisionNumber {
    if (typeof value !== 'string') throw new Error('RevisionNumberPipe reads the raw path text');
    const revision = canonicalInteger(value);
    if (revision !== undefined && revision >= 1) return revision;
    throw new BadRequestError('invalid_revision', 'the revision must be a positive integer', [
      { field: 'revision', reason: `must be a decimal integer from 1 to ${MAX_ID}` },
    ]);
  }
}
