import type { Attributes } from './attribute-values.ts';
import type { Product, ProductStatus } from './product.ts';

/**
 * What an order needs to know about one SKU at the time it is placed: the variant, its product,
 * and its exact price (decimal string in `currency`). The order service copies it into the order.
 */
export interface VariantSnapshot {
  sku: string;
  productId: string;
  productName: string;
  /** The variant's own attributes (`{ storage: "256GB", color: "Blue Titanium" }`). */
  variantAttributes: Attributes;
  price: string;
  currency: string;
  /** Orders should refuse anything but `active`. */
  status: ProductStatus;
}

/** Snapshots of the requested SKUs found in these products, in the order the SKUs were asked for. */
export function variantSnapshots(products: readonly Product[], skus: readonly string[]): VariantSnapshot[] {
  const bySku = new Map<string, VariantSnapshot>();
  for (const product of products) {
    for (const variant of product.variants) {
      bySku.set(variant.sku, {
        sku: variant.sku,
        productId: product.id,
        productName: product.name,
        variantAttributes: variant.attributes,
        price: variant.price.toDecimalString(),
        currency: product.currency,
        status: product.status,
      });
    }
  }
  const seen = new Set<string>();
  return skus.flatMap((sku) => {
    const snapshot = bySku.get(sku);
    if (!snapshot || seen.has(sku)) return [];
    seen.add(sku);
    return [snapshot];
  });
}
