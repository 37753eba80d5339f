import { AppError, Money } from '@polyshop/kernel';
import type { CartLine } from './checkout-request.ts';
import type { PricedLine } from './order.ts';
import type { RegionPricing } from './region-pricing.ts';

/** A variant as the catalogue reports it at order time (the price the order snapshots). */
export interface CatalogVariant {
  sku: string;
  productId: string;
  productName: string;
  /** Variant attributes (`{ storage: "256GB" }`), appended to the line name. */
  variantAttributes?: Record<string, unknown>;
  /** Decimal string in `currency`. */
  price: string;
  currency: string;
  status: 'draft' | 'active' | 'archived';
}

/**
 * Turns a cart into priced lines from the catalogue's current data. The client never supplies
 * prices. Refused, with the line at fault: an unknown SKU (400 `ORDERS.UNKNOWN_SKU`), a product not on
 * sale (409 `ORDERS.PRODUCT_UNAVAILABLE`), a price in another currency than the region's
 * (409 `ORDERS.CURRENCY_MISMATCH`).
 */
export function snapshotLines(
  cart: readonly CartLine[],
  variants: readonly CatalogVariant[],
  region: RegionPricing,
): PricedLine[] {
  const bySku = new Map(variants.map((variant) => [variant.sku, variant]));
  return cart.map((line, index) => {
    const field = `items.${index}.sku`;
    const variant = bySku.get(line.sku);
    if (!variant) {
      throw AppError.invalidInput('ORDERS.UNKNOWN_SKU', `No product has SKU ${line.sku}.`, { field });
    }
    if (variant.status !== 'active') {
      throw AppError.conflict(
        'ORDERS.PRODUCT_UNAVAILABLE',
        `${variant.productName} (${line.sku}) is not on sale.`,
        {
          field,
          details: { sku: line.sku, productStatus: variant.status },
        },
      );
    }
    if (variant.currency !== region.currency) {
      throw AppError.conflict(
        'ORDERS.CURRENCY_MISMATCH',
        `${line.sku} is priced in ${variant.currency}, but orders to ${region.code} are paid in ${region.currency}.`,
        {
          field,
          details: { sku: line.sku, priceCurrency: variant.currency, orderCurrency: region.currency },
        },
      );
    }
    return {
      sku: line.sku,
      productId: variant.productId,
      name: lineName(variant),
      quantity: line.quantity,
      unitPrice: Money.of(variant.price, variant.currency, field),
    };
  });
}

/** `iPhone 15 (256GB, Blue)`: the product name with its variant's attribute values. */
export function lineName(variant: Pick<CatalogVariant, 'productName' | 'variantAttributes'>): string {
  const values = Object.values(variant.variantAttributes ?? {}).filter(
    (value) => value !== null && value !== undefined && value !== '',
  );
  return values.length ? `${variant.productName} (${values.map(String).join(', ')})` : variant.productName;
}
