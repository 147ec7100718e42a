import { Injectable, PipeTransform } from '@nestjs/common';
import { BadRequestError } from '../../common/errors/domain-error';
import { MAX_INT4 } from '../dto/update-instance.dto';

/** `:revision`: a canonical decimal from 1 to 2³¹-1 (no `0x10`, `1e3`, `+1`, ` 1`), or 400. */
@Injectable()
export class RevisionNumberPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (/^[1-9]\d{0,9}$/.test(value) && Number(value) <= MAX_INT4) return Number(value);
    throw new BadRequestError('invalid_revision', 'the revision must be a positive integer', [
      { field: 'revision', reason: `must be a decimal integer from 1 to ${MAX_INT4}` },
    ]);
  }
}
