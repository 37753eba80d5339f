import type { FacetCount } from './product-query.ts';

/** The order facet values are listed in: most frequent first, then by value (code point order). */
export function byCountThenValue(a: FacetCount, b: FacetCount): number {
  if (a.count !== b.count) return b.count - a.count;
  const left = String(a.value);
  const right = String(b.value);
  return left < right ? -1 : left > right ? 1 : 0;
}
