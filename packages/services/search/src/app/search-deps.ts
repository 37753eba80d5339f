import type { CatalogSource } from '../ports/catalog-source.ts';
import type { ProductSearchIndex, SearchEventInbox } from '../ports/product-search-index.ts';

/** What the search use cases run on. */
export interface SearchDeps {
  index: ProductSearchIndex;
  /** Applies each consumed event once, to the index in the same unit of work. */
  inbox: SearchEventInbox;
  /** The catalog a reindex reads; resolved when a reindex runs (the products service may start later). */
  catalog: () => CatalogSource;
}
