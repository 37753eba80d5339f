import type { CatalogProduct } from '../domain/search-document.ts';

/** A page of the catalog, in the catalog's stable order. */
export interface CatalogPage {
  items: CatalogProduct[];
  /** Pass back as `cursor` for the next page; `null` on the last page. */
  nextCursor: string | null;
}

/**
 * Where a reindex reads the whole catalog from: the product service's client (`listProducts`),
 * in-process or over HTTP. Search never reads the catalog's tables.
 */
export interface CatalogSource {
  /** Every product (whatever its status) page by page, in a stable order. */
  listProducts(options: { cursor?: string | null; limit?: number }): Promise<CatalogPage>;
}
