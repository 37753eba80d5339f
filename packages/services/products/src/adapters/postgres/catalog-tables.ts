import { defineTable } from '@polyshop/stores';
import type { AttributeDefinition } from '../../domain/attribute-definition.ts';
import type { Attributes, Specifications } from '../../domain/attribute-values.ts';
import type { ProductStatus, VariantDocument } from '../../domain/product.ts';
import type { FilterScalar } from '../../domain/product-query.ts';

/** The catalog's PostgreSQL schema (the migrations name it too). */
export const SCHEMA = 'catalog';

/**
 * Every table of the `catalog` schema, one row type each (snake_case, numeric as exact strings);
 * `test/contract/products-tables.test.ts` checks them against the migrated database.
 */

/** A row of `catalog.products`: the product document, with its lowest price for sorting. */
export interface ProductRow {
  id: string;
  slug: string;
  name: string;
  category: string;
  brand: string | null;
  description: string;
  currency: string;
  base_price: string;
  min_price: string;
  attributes: Attributes;
  specifications: Specifications;
  variants: VariantDocument[];
  status: ProductStatus;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** A row of `catalog.categories`. */
export interface CategoryRow {
  slug: string;
  name: string;
  description: string;
  definition: {
    attributes: AttributeDefinition[];
    variantAttributes: AttributeDefinition[];
    allowFreeAttributes: boolean;
  };
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** A row of `catalog.product_variants`: one per SKU (catalogue-wide uniqueness, indexed prices). */
export interface ProductVariantRow {
  sku: string;
  product_id: string;
  price: string;
}

/**
 * A row of `catalog.facet_counts`, kept by triggers on `catalog.products`: how many products of a
 * category and status hold an attribute value (`element`: counted as an element of a list attribute).
 */
export interface FacetCountRow {
  category: string;
  status: ProductStatus;
  attribute: string;
  element: boolean;
  value: FilterScalar;
  count: number;
}

/**
 * A row of `catalog.category_changes`, written by a trigger each time a category's attribute
 * definitions change (migration 0003): the history `polyshop advise` measures schema changes by.
 */
export interface CategoryChangeRow {
  id: string;
  slug: string;
  version: number;
  attribute_count: number;
  changed_at: Date;
}

export const PRODUCTS_TABLE = defineTable<ProductRow>()(SCHEMA, 'products', [
  'id',
  'slug',
  'name',
  'category',
  'brand',
  'description',
  'currency',
  'base_price',
  'min_price',
  'attributes',
  'specifications',
  'variants',
  'status',
  'version',
  'created_at',
  'updated_at',
]);

export const CATEGORIES_TABLE = defineTable<CategoryRow>()(SCHEMA, 'categories', [
  'slug',
  'name',
  'description',
  'definition',
  'version',
  'created_at',
  'updated_at',
]);

export const PRODUCT_VARIANTS_TABLE = defineTable<ProductVariantRow>()(SCHEMA, 'product_variants', [
  'sku',
  'product_id',
  'price',
]);

export const FACET_COUNTS_TABLE = defineTable<FacetCountRow>()(SCHEMA, 'facet_counts', [
  'category',
  'status',
  'attribute',
  'element',
  'value',
  'count',
]);

export const CATEGORY_CHANGES_TABLE = defineTable<CategoryChangeRow>()(SCHEMA, 'category_changes', [
  'id',
  'slug',
  'version',
  'attribute_count',
  'changed_at',
]);

/** The service's own tables (`migrate` adds the messaging tables, declared in `@polyshop/stores`). */
export const CATALOG_TABLES = [
  PRODUCTS_TABLE,
  CATEGORIES_TABLE,
  PRODUCT_VARIANTS_TABLE,
  FACET_COUNTS_TABLE,
  CATEGORY_CHANGES_TABLE,
];
