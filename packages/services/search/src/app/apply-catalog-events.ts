import type { EventEnvelope } from '@polyshop/kernel';
import { stockOf } from '../domain/consumed-events.ts';
import {
  isSearchable,
  productVersion,
  toSearchDocument,
  type CatalogProduct,
} from '../domain/search-document.ts';
import type { ProductSearchIndex } from '../ports/product-search-index.ts';

/**
 * Applies a `product.*` event: an active product is (re)indexed, anything else (archived, draft)
 * leaves search. The index ignores a version older than the one it holds, so late or repeated
 * events change nothing.
 */
export async function applyProductEvent(index: ProductSearchIndex, event: EventEnvelope): Promise<void> {
  const product = event.data as CatalogProduct;
  if (event.type !== 'product.archived' && isSearchable(product)) {
    await index.upsert(toSearchDocument(product));
  } else {
    await index.remove(product.id, productVersion(product));
  }
}

/** Applies an `inventory.changed` event: the SKU's available units, and so its products' `inStock`. */
export async function applyInventoryEvent(index: ProductSearchIndex, event: EventEnvelope): Promise<void> {
  const { sku, available, version } = stockOf(event.data);
  await index.setStock(sku, available, version);
}
