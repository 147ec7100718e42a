import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty } from '@nestjs/swagger';
import { MAX_PAGE_SIZE, Page, PageMeta } from '../common/pagination/pagination';

const pageClasses = new Map<Type<unknown>, Type<unknown>>();

/** `WorkloadResponse` → `WorkloadPage`: the schema name SDK generators turn into a type name. */
export function pageSchemaName(item: Type<unknown>): string {
  return `${item.name.replace(/(Response|Dto)$/, '')}Page`;
}

/**
 * The pagination envelope (`{items, meta}` of `fetchPage()`) for one item type, as a named class (so a named schema):
 * `{items: Item[], meta: PageMeta}`. One class per item type, made once.
 */
export function pageOf<T>(item: Type<T>): Type<Page<T>> {
  const known = pageClasses.get(item);
  if (known) return known as Type<Page<T>>;
  class ItemPage implements Page<T> {
    items!: T[];
    meta!: PageMeta;
  }
  Object.defineProperty(ItemPage, 'name', { value: pageSchemaName(item) });
  ApiProperty({
    type: [item],
    maxItems: MAX_PAGE_SIZE,
    description: 'The items of this page, in the requested order.',
  })(ItemPage.prototype, 'items');
  ApiProperty({ type: PageMeta, description: 'Where this page is in the whole result.' })(
    ItemPage.prototype,
    'meta',
  );
  pageClasses.set(item, ItemPage);
  return ItemPage;
}

/** Documents a list route answering a page of items (`fetchPage()`): `@ApiPage(WorkloadResponse)`. */
export function ApiPage(
  item: Type<unknown>,
  description = 'One page of results.',
): MethodDecorator & ClassDecorator {
  const page = pageOf(item);
  return applyDecorators(ApiExtraModels(item, page), ApiOkResponse({ type: page, description }));
}
