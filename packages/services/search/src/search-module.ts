import type { ServiceContext, ServiceDefinition, ServiceModule } from '@polyshop/http';
import { loadConfig } from '@polyshop/kernel';
import Type from 'typebox';
import { OpenSearchProductSearchIndex } from './adapters/opensearch/opensearch-product-search-index.ts';
import {
  migrateSearchSchema,
  PostgresProductSearchIndex,
} from './adapters/postgres/postgres-product-search-index.ts';
import { reindexCatalog, type ReindexOptions, type ReindexSummary } from './app/reindex-catalog.ts';
import { subscribeSearchConsumers } from './app/search-consumers.ts';
import { parseSearchQuery } from './domain/parse-search-query.ts';
import { searchRoutes } from './http/search-routes.ts';
import type { CatalogSource } from './ports/catalog-source.ts';
import type { ProductSearchIndex, SearchEventInbox } from './ports/product-search-index.ts';
import { SearchHttpClient, type SearchClient } from './search-client.ts';

/** The in-process client, plus what only the process holding the index can do (the CLI uses it). */
export interface LocalSearchClient extends SearchClient {
  /** Rebuilds the index from the catalog (`polyshop search reindex`). */
  reindex(options?: ReindexOptions): Promise<ReindexSummary>;
  /** Searchable products in the index. */
  countIndexed(): Promise<number>;
}

/** The client over an index; `catalog` is resolved when a reindex needs it. */
export function localSearchClient(
  index: ProductSearchIndex,
  catalog: () => CatalogSource,
): LocalSearchClient {
  return {
    searchProducts: async (params) => index.search(parseSearchQuery(params)),
    reindex: (options) => reindexCatalog(index, catalog(), options),
    countIndexed: () => index.count(),
  };
}

/** The search service's own configuration (read from `context.env`). */
const SearchConfig = Type.Object({
  /** Names of the OpenSearch indexes: `<prefix>-products`, `<prefix>-sku-stock`, `<prefix>-inbox`. */
  SEARCH_OPENSEARCH_INDEX_PREFIX: Type.String({
    default: 'polyshop',
    pattern: '^[a-z0-9][a-z0-9_.-]{0,100}$',
  }),
});

/** The index and its event inbox, and the probe `/readyz` runs. */
interface SearchStore {
  index: ProductSearchIndex & SearchEventInbox;
  ready: () => Promise<void>;
}

/** The index on the store the platform chose for search (`SEARCH_STORE`, `POLYSHOP_PROFILE`). */
async function openSearchIndex(context: ServiceContext<SearchStoreKind>): Promise<SearchStore> {
  if (context.store === 'opensearch') {
    const config = loadConfig(SearchConfig, context.env);
    const connection = context.opensearch();
    const index = await OpenSearchProductSearchIndex.open(
      connection.client,
      config.SEARCH_OPENSEARCH_INDEX_PREFIX,
    );
    return { index, ready: () => index.ping() };
  }
  const db = await context.postgres();
  await migrateSearchSchema(db);
  return { index: new PostgresProductSearchIndex(db), ready: () => db.ping() };
}

/** Builds the search service on its store (PostgreSQL full-text or OpenSearch): index, consumers, routes. */
export async function createSearchService(context: ServiceContext<SearchStoreKind>): Promise<SearchModule> {
  const { index, ready } = await openSearchIndex(context);
  const client = localSearchClient(index, () => context.client('products'));
  return {
    client,
    index,
    routes: searchRoutes(client),
    async start() {
      await subscribeSearchConsumers(context.bus, index);
    },
    ready,
  };
}

/** The stores search runs on. */
export type SearchStoreKind = 'postgres' | 'opensearch';

/** The running search service: its in-process client can also reindex and count (the CLI uses them). */
export type SearchModule = ServiceModule<LocalSearchClient> & { index: ProductSearchIndex };

declare module '@polyshop/http' {
  interface ServiceRegistry {
    search: { client: SearchClient; module: SearchModule };
  }
}

/** How the platform creates the search service and reaches it from another process. */
export const definition: ServiceDefinition<'search', SearchStoreKind> = {
  name: 'search',
  prefix: '/search',
  defaultPort: 3007,
  stores: { variable: 'SEARCH_STORE', supported: ['postgres', 'opensearch'], polyglot: 'opensearch' },
  create: createSearchService,
  httpClient: (baseUrl, context) => new SearchHttpClient(baseUrl, { logger: context.logger }),
};
