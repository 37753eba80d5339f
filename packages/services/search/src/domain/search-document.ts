import { AppError, type Decimal, Money } from '@polyshop/kernel';

/**
 * The part of the catalog's product document that search reads, as `product.*` events and the
 * catalog client carry it. Prices are decimal strings in the product's currency.
 */
export interface CatalogProduct {
  id: string;
  slug: string;
  name: string;
  category: string;
  brand?: string | null;
  description?: string | null;
  currency: string;
  basePrice: string;
  variants?: CatalogVariant[];
  /** Only `active` products are searchable. */
  status: string;
  /** Increases with every change; search ignores a version older than the one it holds. */
  version: number;
}

/** A variant as search reads it. A variant without its own price sells at the base price. */
export interface CatalogVariant {
  sku: string;
  price?: string | null;
  /** `false` takes a variant off sale (neither priced nor stocked for search). */
  active?: boolean;
  /** When present, anything but `active` takes the variant off sale. */
  status?: string;
}

/**
 * What the index holds of one searchable product. The same projection feeds every adapter, so the
 * PostgreSQL and OpenSearch indexes agree on price and stock rules.
 */
export interface SearchDocument {
  id: string;
  slug: string;
  name: string;
  /** `null` when the product has no brand (it then has no bucket in the brand facet). */
  brand: string | null;
  category: string;
  description: string;
  /** ISO 4217 code of `price`. */
  currency: string;
  /**
   * The product's lowest price among its active variants, or its base price when it has none
   * (exact decimal string). This is what price filters, price sorts and the price histogram use.
   */
  price: string;
  /** SKUs of the active variants: the product is in stock when any of them has stock available. */
  skus: string[];
  version: number;
}

const STATUS_SEARCHABLE = 'active';

/** True when the product belongs in search results (only `active` products do). */
export function isSearchable(product: Pick<CatalogProduct, 'status'>): boolean {
  return product.status === STATUS_SEARCHABLE;
}

function isVariantOnSale(variant: CatalogVariant): boolean {
  if (variant.active === false) return false;
  return variant.status === undefined || variant.status === STATUS_SEARCHABLE;
}

function invalid(field: string, message: string): AppError {
  return AppError.invalidInput('SEARCH.INVALID_PRODUCT', `Product document ${message}.`, { field });
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, `has no ${field}`);
  return value;
}

/** Checks the fields search needs and returns the version (for stale-event guards). */
export function productVersion(product: Pick<CatalogProduct, 'id' | 'version'>): number {
  requireText(product.id, 'id');
  if (!Number.isInteger(product.version) || product.version < 1)
    throw invalid('version', 'has no positive integer version');
  return product.version;
}

/**
 * Projects a catalog product onto the search document (see `SearchDocument.price` for the price
 * rule). Throws `SEARCH.INVALID_PRODUCT` when the document lacks what search needs.
 */
export function toSearchDocument(product: CatalogProduct): SearchDocument {
  const version = productVersion(product);
  const currency = product.currency;
  const base = Money.of(requireText(product.basePrice, 'basePrice'), currency, 'basePrice');
  if (base.isNegative()) throw invalid('basePrice', 'has a negative base price');
  const onSale = (product.variants ?? []).filter(isVariantOnSale);
  let lowest: Decimal | undefined;
  for (const [index, variant] of onSale.entries()) {
    requireText(variant.sku, `variants.${index}.sku`);
    const price = variant.price == null ? base : Money.of(variant.price, currency, `variants.${index}.price`);
    if (price.isNegative()) throw invalid(`variants.${index}.price`, 'has a negative price');
    if (lowest === undefined || price.amount.lessThan(lowest)) lowest = price.amount;
  }
  const brand = typeof product.brand === 'string' && product.brand.trim() !== '' ? product.brand : null;
  return {
    id: product.id,
    slug: requireText(product.slug, 'slug'),
    name: requireText(product.name, 'name'),
    brand,
    category: requireText(product.category, 'category'),
    description: typeof product.description === 'string' ? product.description : '',
    currency,
    price: (lowest ?? base.amount).toFixed(),
    skus: [...new Set(onSale.map((variant) => variant.sku))].sort(),
    version,
  };
}
