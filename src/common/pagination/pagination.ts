import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidationArguments,
} from 'class-validator';
import { ToCanonicalInteger } from '../http/id';
import { COUNT_SCHEMA, MAX_PAGE } from '../validation/bounds';
import { MAX_CURSOR_LENGTH } from './cursor';

export const MAX_PAGE_SIZE = 100;
/** Up to this many matching rows, `count=estimated` answers an exact count (a bounded scan). */
export const EXACT_COUNT_UP_TO = 1000;

export const COUNT_MODES = ['exact', 'estimated', 'none'] as const;
export type CountMode = (typeof COUNT_MODES)[number];

/** The property it decorates must not be given together with `other`. */
function NotWith(other: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'notWith',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `$property cannot be combined with ${other}: pass one of them` },
      validator: {
        validate: (_value: unknown, args: ValidationArguments) =>
          (args.object as Record<string, unknown>)[other] === undefined,
      },
    });
}

/** `page`/`cursor`/`limit`/`order`/`count` query parameters shared by every list route. */
export class PageQuery {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_PAGE,
    default: 1,
    description:
      'Page number, from 1 (OFFSET paging: deep pages cost more, and rows inserted meanwhile shift them). ' +
      'Prefer `cursor`. Not together with `cursor`.',
  })
  @IsOptional()
  @ToCanonicalInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page?: number;

  @ApiPropertyOptional({
    type: String,
    maxLength: MAX_CURSOR_LENGTH,
    pattern: '^[A-Za-z0-9_-]+$',
    description:
      'Opaque position from `meta.next_cursor` of the previous page: the next page starts right after ' +
      'its last row, whatever was inserted meanwhile. Valid only with the same filters, `sort` and ' +
      '`order` it was issued with (400 otherwise); `limit` and `count` may change. Not together with `page`.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor must be a value of meta.next_cursor' })
  @NotWith('page')
  cursor?: string;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: 20,
    description: 'Items per page.',
  })
  @IsOptional()
  @ToCanonicalInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = 20;

  @ApiPropertyOptional({
    type: String,
    enum: ['asc', 'desc'],
    enumName: 'SortOrder',
    default: 'desc',
    description: 'Sort direction.',
  })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'desc';

  @ApiPropertyOptional({
    type: String,
    enum: COUNT_MODES,
    enumName: 'CountMode',
    default: 'estimated',
    description:
      `How \`meta.total\` is computed. \`estimated\`: an exact count when at most ${EXACT_COUNT_UP_TO} ` +
      `rows match (a scan bounded at ${EXACT_COUNT_UP_TO + 1} rows), otherwise the database planner's ` +
      'estimate for the filters (no scan); `exact`: a full count (costs a scan of every matching ' +
      'row); `none`: no total (`total` and `total_pages` are null). `meta.count` says which one `total` is.',
  })
  @IsOptional()
  @IsIn(COUNT_MODES)
  count: CountMode = 'estimated';

  get skip(): number {
    return ((this.page ?? 1) - 1) * this.limit;
  }
}

export class PageMeta {
  @ApiProperty({
    ...COUNT_SCHEMA,
    minimum: 1,
    maximum: MAX_PAGE,
    nullable: true,
    example: 1,
    description:
      'The page number asked for (1 without `page`); null for a page reached by `cursor`.',
  })
  page!: number | null;

  @ApiProperty({ ...COUNT_SCHEMA, minimum: 1, maximum: MAX_PAGE_SIZE, example: 20 })
  limit!: number;

  @ApiProperty({
    ...COUNT_SCHEMA,
    nullable: true,
    example: 42,
    description:
      'Items matching the filters, on all pages: exact when `count` is `exact`, otherwise possibly ' +
      'an estimate (see `count`); null when `count=none` was asked for.',
  })
  total!: number | null;

  @ApiProperty({
    ...COUNT_SCHEMA,
    nullable: true,
    example: 3,
    description: '`total` / `limit`, rounded up; as exact as `total`.',
  })
  total_pages!: number | null;

  @ApiProperty({
    type: String,
    enum: COUNT_MODES,
    enumName: 'CountMode',
    example: 'exact',
    description: 'What `total` is: `exact`, `estimated` (the planner’s estimate) or `none` (null).',
  })
  count!: CountMode;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: MAX_CURSOR_LENGTH,
    example: 'eyJ2IjoxLCJrIjoiMjAyNC0wNy0wOVQxNDoxNzozNi41OTAxMjNaIiwiaSI6NDIsImIiOiJ4In0',
    description: 'Pass as `cursor` for the page after this one; null on the last page.',
  })
  next_cursor!: string | null;
}

export interface Page<T> {
  items: T[];
  meta: PageMeta;
}
