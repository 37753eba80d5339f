import { Decimal128, type Document, type Filter, type Sort } from 'mongodb';
import { byCountThenValue } from '../../domain/facets.ts';
import type {
  AttributeFilter,
  FacetCount,
  FacetRequest,
  FilterScalar,
  ProductFilter,
  ProductSearch,
  ProductSort,
  SearchPosition,
} from '../../domain/product-query.ts';
import type { ProductDoc } from './mongo-product-mapper.ts';

/** The stored field each sort orders on (each has a `(field, _id)` index). */
const SORT_FIELD = { price: 'minPrice', name: 'name', createdAt: 'createdAt' } as const;

function attributeCondition(attribute: AttributeFilter): Filter<ProductDoc> {
  // `$in` on a list attribute matches when the array holds any of the values; on a scalar, equality
  return { [`attributes.${attribute.name}`]: { $in: attribute.values } };
}

/**
 * The conditions of a filter, ANDed. Attributes and specifications compare typed values (`48` never
 * matches `"48"`); a specification path does not descend into arrays (as on PostgreSQL, where the
 * filter is JSON containment): each level above the leaf must not be an array. A price range is an
 * `$elemMatch` on the variants' `Decimal128` prices (multikey index `variants.price`).
 * `skipAttributes` leaves those attributes' filters out (facets apply them separately).
 */
export function filterConditions(
  filter: ProductFilter,
  skipAttributes: ReadonlySet<string> = new Set(),
): Filter<ProductDoc>[] {
  const conditions: Filter<ProductDoc>[] = [{ status: { $in: filter.statuses } }];
  if (filter.category !== undefined) conditions.push({ category: filter.category });
  if (filter.brands) conditions.push({ brand: { $in: filter.brands } });
  if (filter.currency !== undefined) conditions.push({ currency: filter.currency });
  for (const attribute of filter.attributes) {
    if (!skipAttributes.has(attribute.name)) conditions.push(attributeCondition(attribute));
  }
  for (const specification of filter.specifications) {
    const path = ['specifications', ...specification.path];
    conditions.push({ [path.join('.')]: { $in: specification.values } });
    for (let depth = 2; depth < path.length; depth++) {
      conditions.push({ [path.slice(0, depth).join('.')]: { $not: { $type: 'array' } } });
    }
  }
  if (filter.minPrice !== undefined || filter.maxPrice !== undefined) {
    const bounds: Record<string, Decimal128> = {};
    if (filter.minPrice !== undefined) bounds.$gte = Decimal128.fromString(filter.minPrice);
    if (filter.maxPrice !== undefined) bounds.$lte = Decimal128.fromString(filter.maxPrice);
    conditions.push({ variants: { $elemMatch: { price: bounds } } });
  }
  return conditions;
}

function and(conditions: Filter<ProductDoc>[]): Filter<ProductDoc> {
  return conditions.length === 1 ? conditions[0]! : { $and: conditions };
}

/** The page query: the filter, then strictly after the keyset position (sort key, id). */
export function pageQuery(search: ProductSearch): { filter: Filter<ProductDoc>; sort: Sort } {
  const conditions = filterConditions(search.filter);
  const field = SORT_FIELD[search.sort.field];
  if (search.after) conditions.push(keysetCondition(search.sort, search.after));
  const direction = search.sort.direction === 'desc' ? -1 : 1;
  return { filter: and(conditions), sort: { [field]: direction, _id: direction } };
}

function keysetCondition(sort: ProductSort, after: SearchPosition): Filter<ProductDoc> {
  const field = SORT_FIELD[sort.field];
  const key =
    sort.field === 'price'
      ? Decimal128.fromString(after.key)
      : sort.field === 'createdAt'
        ? new Date(after.key)
        : after.key;
  const beyond = sort.direction === 'desc' ? '$lt' : '$gt';
  return { $or: [{ [field]: { [beyond]: key } }, { [field]: key, _id: { [beyond]: after.id } }] };
}

/**
 * One aggregation for every facet: a `$match` with the filters no facet ignores (it can use the
 * indexes), a projection to the facet attributes, then `$facet` with one sub-pipeline per facet that
 * adds the filters of the other faceted attributes and counts values (`$unwind` counts each element
 * of a list attribute). `undefined` when no facet is asked for.
 */
export function facetPipeline(search: ProductSearch): Document[] | undefined {
  if (search.facets.length === 0) return undefined;
  const faceted = new Set(search.facets.map((facet) => facet.name));
  const own = search.filter.attributes.filter((attribute) => faceted.has(attribute.name));
  const projection: Record<string, 0 | 1> = { _id: 0 };
  for (const name of new Set([...faceted, ...own.map((attribute) => attribute.name)]))
    projection[`attributes.${name}`] = 1;
  const branches: Record<string, Document[]> = {};
  search.facets.forEach((facet, index) => {
    const others = own.filter((attribute) => attribute.name !== facet.name).map(attributeCondition);
    branches[`f${index}`] = [...(others.length > 0 ? [{ $match: and(others) }] : []), ...countStages(facet)];
  });
  return [
    { $match: and(filterConditions(search.filter, faceted)) },
    { $project: projection },
    { $facet: branches },
  ];
}

function countStages(facet: FacetRequest): Document[] {
  const path = `attributes.${facet.name}`;
  const values = facet.multiValued ? [{ $unwind: `$${path}` }] : [{ $match: { [path]: { $exists: true } } }];
  return [...values, { $group: { _id: `$${path}`, count: { $sum: 1 } } }];
}

/** The `$facet` result as facet counts, in the port's order (most frequent first, ties by value). */
export function facetCounts(
  search: ProductSearch,
  result: Record<string, { _id: FilterScalar; count: number }[]> | undefined,
): Record<string, FacetCount[]> {
  const facets: Record<string, FacetCount[]> = {};
  search.facets.forEach((facet, index) => {
    facets[facet.name] = (result?.[`f${index}`] ?? [])
      .map((row) => ({ value: row._id, count: row.count }))
      .sort(byCountThenValue);
  });
  return facets;
}
