import type { ServiceContext, ServiceDefinition, ServiceModule } from '@polyshop/http';
import { ConfigError } from '@polyshop/kernel';
import { migrateSearchSchema, PostgresProductSearchIndex } from './adapters/postgres/postgres-product-search-index.ts';
import { reindexCatalog, type ReindexOptions, type ReindexSummary } from './app/reindex-catalog.ts';
import { subscribeSearchConsumers } from './app/search-consumers.ts';
import { parseSearchQuery } from './domain/parse-search-query.ts';
import { searchRoutes } from './http/search-routes.ts';
import type { CatalogSource } from './ports/catalog-source.ts';
import type { ProductSearchIndex } from './ports/product-search-index.ts';
import { SearchHttpClient, type SearchClient } from './search-client.ts';

/** The in-process client, plus what only the process holding the index can do (the CLI uses it). */
export interface LocalSearchClient extends SearchClient {
  /** Rebuilds the index from the catalog (`polyshop search reindex`). */
  reindex(options?: ReindexOptions): Promise<ReindexSummary>;
  /** Searchable products in the index. */
  countIndexed(): Promise<number>;
}

/** The client over an index; `catalog` is resolved when a reindex needs it. */
export function localSearchClient(index: ProductSearchIndex, catalog: () => CatalogSource): LocalSearchClient {
  return {
    searchProducts: async (params) => index.search(parseSearchQuery(params)),
    reindex: (options) => reindexCatalog(index, catalog(), options),
    countIndexed: () => index.count(),
  };
}

/** Builds the search service on its store (Phase 1: PostgreSQL full-text): index, consumers, routes. */
export async function createSearchService(context: ServiceContext): Promise<ServiceModule<LocalSearchClient> & { index: ProductSearchIndex }> {
  if (context.store !== 'postgres') {
    throw new ConfigError([{ variable: 'SEARCH_STORE', message: `search runs on postgres for now (${context.store} comes with the OpenSearch adapter).` }]);
  }
  const db = await context.postgres();
  await migrateSearchSchema(db);
  const index = new PostgresProductSearchIndex(db);
  const client = localSearchClient(index, () => context.client<CatalogSource>('products'));
  return {
    name: 'search',
    prefix: '/search',
    client,
    index,
    routes: searchRoutes(client),
    async start() {
      await subscribeSearchConsumers(context.bus, index);
    },
    async ready() {
      await db.ping();
    },
  };
}

/** How the platform creates the search service and reaches it from another process. */
export const definition: ServiceDefinition<SearchClient> = {
  name: 'search',
  create: createSearchService,
  httpClient: (baseUrl, context) => new SearchHttpClient(baseUrl, { logger: context.logger }),
};
