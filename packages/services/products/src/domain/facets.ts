import type { FacetCount, FilterScalar, ProductFilter } from './product-query.ts';

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

/** One value an attribute contributes to facet counts: a list attribute's elements one by one (`element`). */
export interface FacetEntry {
  attribute: string;
  element: boolean;
  value: FilterScalar;
}

/**
 * The facet entries of a product's attributes, as the counts read them: a list counts each element
 * (`element` true), any other value counts as itself. A facet request reads the entries whose
 * `element` equals its `multiValued`.
 */
export function facetEntries(attributes: Readonly<Record<string, unknown>>): FacetEntry[] {
  const entries: FacetEntry[] = [];
  for (const [attribute, value] of Object.entries(attributes)) {
    if (Array.isArray(value)) {
      for (const item of value as FilterScalar[]) entries.push({ attribute, element: true, value: item });
    } else entries.push({ attribute, element: false, value: value as FilterScalar });
  }
  return entries;
}
