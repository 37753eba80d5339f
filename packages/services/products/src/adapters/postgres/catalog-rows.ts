import { minorDigits } from '@polyshop/kernel';
import type { Category } from '../../domain/category.ts';
import {
  fromProductDocument,
  lowestPrice,
  toProductDocument,
  toVariantDocument,
  type Product,
} from '../../domain/product.ts';
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

/** A `catalog.products` row with its JSON columns as their text. */
export type ProductTextRow = Omit<ProductRow, 'attributes' | 'specifications' | 'variants'> & {
  attributes: string;
  specifications: string;
  variants: string;
};

const JSON_COLUMNS: ReadonlySet<string> = new Set(['attributes', 'specifications', 'variants']);

/** The columns of `products p` as a `ProductTextRow`. */
export const PRODUCT_TEXT_COLUMNS = PRODUCTS_TABLE.columns
  .map((column) => (JSON_COLUMNS.has(column) ? `p.${column}::text AS ${column}` : `p.${column}`))
  .join(', ');

/** A non-negative decimal as PostgreSQL and `Money#toDecimalString` write it; group 1 its fraction. */
const DECIMAL = /^(?:0|[1-9]\d*)(?:\.(\d+))?$/;

/** True when `amount` is a decimal string with exactly `digits` fraction digits. */
function hasDigits(amount: string, digits: number): boolean {
  const decimal = DECIMAL.exec(amount);
  return decimal !== null && (decimal[1]?.length ?? 0) === digits;
}

/** How jsonb's text writes a `price` key (a key's quotes cannot occur inside a string: they are escaped). */
const PRICE_KEY = '"price": ';

/** True when every `price` key in this jsonb text holds a decimal string with exactly `digits` fraction digits. */
function pricesHaveDigits(json: string, digits: number): boolean {
  for (let at = json.indexOf(PRICE_KEY); at >= 0; at = json.indexOf(PRICE_KEY, at + PRICE_KEY.length)) {
    const value = at + PRICE_KEY.length;
    if (json[value] !== '"' || !hasDigits(json.slice(value + 1, json.indexOf('"', value + 1)), digits))
      return false;
  }
  return true;
}

/**
 * A product row as the API's JSON, what `toProductDocument` gives (key order aside), the row's JSON
 * text passed through unparsed. Prices pass through when they have exactly the currency's minor
 * digits, as every write stores them (`Money#toDecimalString`), so rendering them again would give
 * them back unchanged; any other (say a currency whose minor unit changed, or a "price" that is not a
 * variant's) sends the row through the domain.
 */
export function productJsonFromRow(row: ProductTextRow): string {
  const currency = row.currency.trim();
  const digits = minorDigits(currency);
  const asStored = hasDigits(row.base_price, digits) && pricesHaveDigits(row.variants, digits);
  if (!asStored)
    return JSON.stringify(
      toProductDocument(
        productFromRow({
          ...row,
          attributes: JSON.parse(row.attributes) as ProductRow['attributes'],
          specifications: JSON.parse(row.specifications) as ProductRow['specifications'],
          variants: JSON.parse(row.variants) as ProductRow['variants'],
        }),
      ),
    );
  const text = JSON.stringify;
  const brand = row.brand === null ? '' : `,"brand":${text(row.brand)}`;
  return (
    `{"id":${text(row.id)},"name":${text(row.name)},"slug":${text(row.slug)},"category":${text(row.category)}${brand},` +
    `"description":${text(row.description)},"currency":${text(currency)},"basePrice":"${row.base_price}",` +
    `"attributes":${row.attributes},"variants":${row.variants},"specifications":${row.specifications},` +
    `"status":${text(row.status)},"version":${row.version},` +
    `"createdAt":"${row.created_at.toISOString()}","updatedAt":"${row.updated_at.toISOString()}"}`
  );
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
