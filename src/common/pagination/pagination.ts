import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { COUNT_SCHEMA, MAX_PAGE } from '../validation/bounds';

export const MAX_PAGE_SIZE = 100;

/** `page`/`limit`/`sort` query parameters shared by every list route. */
export class PageQuery {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_PAGE,
    default: 1,
    description: 'Page number, from 1.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page: number = 1;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: 20,
    description: 'Items per page.',
  })
  @IsOptional()
  @Type(() => Number)
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

  get skip(): number {
    return (this.page - 1) * this.limit;
  }
}

export class PageMeta {
  @ApiProperty({ ...COUNT_SCHEMA, minimum: 1, maximum: MAX_PAGE, example: 1 }) page!: number;
  @ApiProperty({ ...COUNT_SCHEMA, minimum: 1, maximum: MAX_PAGE_SIZE, example: 20 })
  limit!: number;
  @ApiProperty({
    ...COUNT_SCHEMA,
    example: 42,
    description: 'Items matching the filters, on all pages.',
  })
  total!: number;
  @ApiProperty({ ...COUNT_SCHEMA, example: 3 }) total_pages!: number;
}

export interface Page<T> {
  items: T[];
  meta: PageMeta;
}

export function toPage<T>(items: T[], total: number, query: PageQuery): Page<T> {
  return {
    items,
    meta: {
      page: query.page,
      limit: query.limit,
      total,
      total_pages: Math.ceil(total / query.limit),
    },
  };
}
