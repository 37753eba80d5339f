import { Decimal } from '@polyshop/kernel';
import type { AttributeValue } from '../../src/domain/attribute-values.ts';
import { byCountThenValue } from '../../src/domain/facets.ts';
import type {
  FacetCount,
  FacetRequest,
  FilterScalar,
  ProductFilter,
} from '../../src/domain/product-query.ts';
import type { ProductInput } from '../../src/domain/product.ts';

/**
 * The meaning of a product filter in plain TypeScript, over generated inputs: the reference that
 * every adapter's results and facet counts are compared with.
 */
export function matches(product: ProductInput, filter: ProductFilter, skipAttribute?: string): boolean {
  if (!filter.statuses.includes(product.status ?? 'draft')) return false;
  if (filter.category !== undefined && product.category !== filter.category) return false;
  if (filter.brands && !filter.brands.includes(product.brand ?? '')) return false;
  if (filter.currency !== undefined && product.currency !== filter.currency) return false;
  for (const attribute of filter.attributes) {
    if (attribute.name === skipAttribute) continue;
    const value = product.attributes?.[attribute.name] as AttributeValue | undefined;
    if (!attribute.values.some((wanted) => equalsOrContains(value, wanted))) return false;
  }
  for (const specification of filter.specifications) {
    let value: unknown = product.specifications;
    for (const key of specification.path) {
      value =
        value !== null && typeof value === 'object' && !Array.isArray(value)
          ? (value as Record<string, unknown>)[key]
          : undefined;
    }
    if (!specification.values.some((wanted) => equalsOrContains(value, wanted))) return false;
  }
  if (filter.minPrice !== undefined || filter.maxPrice !== undefined) {
    const inRange = product.variants.some((variant) => {
      const price = new Decimal(variant.price ?? product.basePrice);
      return (
        (filter.minPrice === undefined || price.gte(filter.minPrice)) &&
        (filter.maxPrice === undefined || price.lte(filter.maxPrice))
      );
    });
    if (!inRange) return false;
  }
  return true;
}

function equalsOrContains(value: unknown, wanted: FilterScalar): boolean {
  return value === wanted || (Array.isArray(value) && value.includes(wanted));
}

/** Facet counts computed by brute force: each facet over the products matching every other filter. */
export function bruteForceFacets(
  products: readonly ProductInput[],
  filter: ProductFilter,
  facets: readonly FacetRequest[],
): Record<string, FacetCount[]> {
  const result: Record<string, FacetCount[]> = {};
  for (const facet of facets) {
    const counts = new Map<FilterScalar, number>();
    for (const product of products) {
      if (!matches(product, filter, facet.name)) continue;
      const value = product.attributes?.[facet.name] as AttributeValue | undefined;
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value])
        counts.set(item, (counts.get(item) ?? 0) + 1);
    }
    result[facet.name] = [...counts].map(([value, count]) => ({ value, count })).sort(byCountThenValue);
  }
  return result;
}

/** The lowest variant price of an input, as a Decimal. */
export function lowestInputPrice(product: ProductInput): Decimal {
  return product.variants
    .map((variant) => new Decimal(variant.price ?? product.basePrice))
    .reduce((a, b) => (b.lt(a) ? b : a));
}
