/**
 * The search service's public surface: its `definition` for the platform, the client other
 * services (and the CLI) use, and the search request/response types. Search consumes
 * `product.created|updated|archived` and `inventory.changed`; it emits no events.
 */
export {
  definition,
  createSearchService,
  localSearchClient,
  type LocalSearchClient,
} from './search-module.ts';
export { SearchHttpClient, type SearchClient } from './search-client.ts';
export type { SearchParams } from './domain/parse-search-query.ts';
export type {
  FacetBucket,
  FacetField,
  HistogramBucket,
  SearchHighlight,
  SearchHit,
  SearchQuery,
  SearchResult,
  SearchSort,
} from './domain/search-query.ts';
export type { ReindexOptions, ReindexProgress, ReindexSummary } from './app/reindex-catalog.ts';
export type { CatalogSource, CatalogPage } from './ports/catalog-source.ts';
export { PRODUCT_EVENT_TYPES, INVENTORY_CHANGED } from './domain/consumed-events.ts';
export { SEARCH_CONSUMERS } from './app/search-consumers.ts';
// What the adapters send for a search, so that a benchmark can time the very same request raw.
export { parseSearchQuery } from './domain/parse-search-query.ts';
export { searchStatement, type SqlStatement } from './adapters/postgres/postgres-product-search.ts';
export { searchRequestBody } from './adapters/opensearch/opensearch-search-query.ts';
export { searchIndexNames } from './adapters/opensearch/opensearch-mapping.ts';
// The index's migration sides (the platform's registry of movable services opens them).
export { PostgresSearchSide } from './adapters/migration/postgres-search-side.ts';
export { OpenSearchSearchSide } from './adapters/migration/opensearch-search-side.ts';
export { migrateSearchSchema } from './adapters/postgres/postgres-product-search-index.ts';
export { loadSearchConfig } from './app/search-config.ts';
