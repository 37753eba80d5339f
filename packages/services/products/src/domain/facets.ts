import type { FacetCount, ProductFilter } from './product-query.ts';

/** The order facet values are listed in: most frequent first, then by value (code point order). */
export function byCountThenValue(a: FacetCount, b: FacetCount): number {
  if (a.count !== b.count) return b.count - a.count;
  const left = String(a.value);
  const right = String(b.value);
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * True when a filter narrows by category and status only: the plain category page, whose facets
 * adapters read from counts they maintain on every write instead of counting the category's products.
 */
export function isWholeCategory(filter: ProductFilter): filter is ProductFilter & { category: string } {
  return (
    filter.category !== undefined &&
    filter.brands === undefined &&
    filter.currency === undefined &&
    filter.attributes.length === 0 &&
    filter.specifications.length === 0 &&
    filter.minPrice === undefined &&
    filter.maxPrice === undefined
  );
}
