import { createEvent, systemClock, type EventEnvelope } from '@polyshop/kernel';
import { applyInventoryEvent, applyProductEvent } from '../../src/app/apply-catalog-events.ts';
import { parseSearchQuery, type SearchParams } from '../../src/domain/parse-search-query.ts';
import type { CatalogProduct } from '../../src/domain/search-document.ts';
import type { SearchHit, SearchResult } from '../../src/domain/search-query.ts';
import type { ProductSearchIndex } from '../../src/ports/product-search-index.ts';
import type { CatalogSource } from '../../src/ports/catalog-source.ts';

/** Gives a fresh, empty index each time it is called (one per group of tests). */
export type MakeIndex = () => Promise<ProductSearchIndex>;

export function search(index: ProductSearchIndex, params: SearchParams = {}): Promise<SearchResult> {
  return index.search(parseSearchQuery(params));
}

/** Every hit of a search, following `nextCursor` page by page (asserting each page is full but the last). */
export async function allHits(index: ProductSearchIndex, params: SearchParams): Promise<SearchHit[]> {
  const hits: SearchHit[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await search(index, { ...params, ...(cursor ? { cursor } : {}) });
    hits.push(...result.hits);
    if (result.nextCursor === null) return hits;
    cursor = result.nextCursor;
  }
  throw new Error('paging did not end');
}

/** A `product.*` event as the catalog sends it: archived documents go as `product.archived`. */
export function productEvent(product: CatalogProduct): EventEnvelope {
  const type =
    product.status === 'archived'
      ? 'product.archived'
      : product.version === 1
        ? 'product.created'
        : 'product.updated';
  return createEvent(
    'products',
    { type, aggregateType: 'product', aggregateId: product.id, data: product },
    systemClock,
  );
}

/** An `inventory.changed` event for one SKU. */
export function stockEvent(sku: string, available: number): EventEnvelope {
  const data = { sku, quantity: available + 1, reserved: 1, available, inStock: available > 0 };
  return createEvent(
    'inventory',
    { type: 'inventory.changed', aggregateType: 'inventory', aggregateId: sku, data },
    systemClock,
  );
}

/** Applies events to the index through the service's event handlers, in the given order. */
export async function applyEvents(
  index: ProductSearchIndex,
  events: readonly EventEnvelope[],
): Promise<void> {
  for (const event of events) {
    if (event.type === 'inventory.changed') await applyInventoryEvent(index, event);
    else await applyProductEvent(index, event);
  }
}

/** Indexes a catalog's final state and stock directly (products, then stock). */
export async function load(
  index: ProductSearchIndex,
  catalog: readonly CatalogProduct[],
  stock: ReadonlyMap<string, number>,
): Promise<void> {
  await applyEvents(index, [
    ...catalog.map(productEvent),
    ...[...stock].map(([sku, available]) => stockEvent(sku, available)),
  ]);
}

/** A catalog client over a list (what the product service's `listProducts` returns, page by page). */
export function listCatalog(products: readonly CatalogProduct[]): CatalogSource {
  return {
    async listProducts({ cursor, limit = 100 }) {
      const from = cursor ? Number(cursor) : 0;
      const items = products.slice(from, from + limit);
      const next = from + limit;
      return { items, nextCursor: next < products.length ? String(next) : null };
    },
  };
}
