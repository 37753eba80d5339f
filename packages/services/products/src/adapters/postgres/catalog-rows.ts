import type { Category } from '../../domain/category.ts';
import { fromProductDocument, lowestPrice, toVariantDocument, type Product } from '../../domain/product.ts';
import {
  PRODUCTS_TABLE,
  type CategoryRow,
  type ProductRow,
  type ProductVariantRow,
} from './catalog-tables.ts';

export { SCHEMA } from './catalog-tables.ts';

/** Columns of `catalog.products`, in the order `productRecord` fills them. */
export const PRODUCT_COLUMNS = PRODUCTS_TABLE.columnList;

/** The same columns typed, for `jsonb_to_recordset` (one parameter carries a whole batch). */
export const PRODUCT_RECORD_TYPES =
  'id uuid, slug text, name text, category text, brand text, description text, currency text, base_price numeric, min_price numeric, ' +
  'attributes jsonb, specifications jsonb, variants jsonb, status text, version integer, created_at timestamptz, updated_at timestamptz';

/** A product as one JSON record for `jsonb_to_recordset` (prices stay decimal strings). */
export function productRecord(product: Product): Record<string, unknown> {
  return {
    id: product.id,
    slug: product.slug,
    name: product.name,
    category: product.category,
    brand: product.brand ?? null,
    description: product.description,
    currency: product.currency,
    base_price: product.basePrice.toDecimalString(),
    min_price: lowestPrice(product).toDecimalString(),
    attributes: product.attributes,
    specifications: product.specifications,
    variants: product.variants.map(toVariantDocument),
    status: product.status,
    version: product.version,
    created_at: product.createdAt.toISOString(),
    updated_at: product.updatedAt.toISOString(),
  };
}

/** One `catalog.product_variants` record per variant. */
export function variantRecords(product: Product): ProductVariantRow[] {
  return product.variants.map((variant) => ({
    sku: variant.sku,
    product_id: product.id,
    price: variant.price.toDecimalString(),
  }));
}

export function productFromRow(row: ProductRow): Product {
  const document = {
    id: row.id,
    name: row.name,
    slug: row.slug,
    category: row.category,
    description: row.description,
    currency: row.currency.trim(),
    basePrice: row.base_price,
    attributes: row.attributes,
    variants: row.variants,
    specifications: row.specifications,
    status: row.status,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
  return fromProductDocument(row.brand === null ? document : { ...document, brand: row.brand });
}

export function categoryDefinition(category: Category): string {
  return JSON.stringify({
    attributes: category.attributes,
    variantAttributes: category.variantAttributes,
    allowFreeAttributes: category.allowFreeAttributes,
  });
}

export function categoryFromRow(row: CategoryRow): Category {
  return {
    slug: row.slug,
    name: row.name,
    description: row.description,
    attributes: row.definition.attributes,
    variantAttributes: row.definition.variantAttributes ?? [],
    allowFreeAttributes: row.definition.allowFreeAttributes ?? false,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
