import type { ProductStatus } from './product.ts';

/** A scalar a filter compares with: attribute values and specification leaves. */
export type FilterScalar = string | number | boolean;

/**
 * `attr.<name>=v1,v2`: the product's attribute equals one of `values` (a scalar attribute), or
 * contains one of them (a list attribute, `multiValued`).
 */
export interface AttributeFilter {
  name: string;
  multiValued: boolean;
  values: FilterScalar[];
}

/**
 * `spec.camera.main=48MP`: the specification at `path` equals one of `values`, or is a list
 * containing one. `values` holds the typed readings of the one query value ("48" → "48" and 48).
 */
export interface SpecificationFilter {
  path: string[];
  values: FilterScalar[];
}

/** Every filter of a product search, store-neutral (adapters translate it to their query language). */
export interface ProductFilter {
  category?: string;
  brands?: string[];
  statuses: ProductStatus[];
  currency?: string;
  attributes: AttributeFilter[];
  specifications: SpecificationFilter[];
  /** Decimal strings; a product matches when any variant price lies in [minPrice, maxPrice]. */
  minPrice?: string;
  maxPrice?: string;
}

export const SORT_FIELDS = ['price', 'name', 'createdAt'] as const;
export type SortField = (typeof SORT_FIELDS)[number];

/** `price` orders by the lowest variant price; `name` by code point (same on every store); ties by id. */
export interface ProductSort {
  field: SortField;
  direction: 'asc' | 'desc';
}

/**
 * Where a page starts: strictly after the product with this sort key and id (keyset pagination,
 * stable under concurrent inserts). `key` is the sort field's value as a string: a decimal price,
 * a name, or an ISO 8601 timestamp.
 */
export interface SearchPosition {
  key: string;
  id: string;
}

/** A facet to count: an attribute of the category, scalar or list (each list element counts). */
export interface FacetRequest {
  name: string;
  multiValued: boolean;
}

export interface FacetCount {
  value: FilterScalar;
  count: number;
}

export interface ProductSearch {
  filter: ProductFilter;
  sort: ProductSort;
  limit: number;
  after?: SearchPosition;
  /**
   * Facets counted on the filtered set, each ignoring its own attribute's filter (so a shopper who
   * picked one storage still sees how many products the other storages would give).
   */
  facets: FacetRequest[];
}

export const DEFAULT_SORT: ProductSort = { field: 'createdAt', direction: 'desc' };
