import type { ServiceContext, ServiceDefinition, ServiceModule } from '@polyshop/http';
import { OpenSearchProductSearchIndex } from './adapters/opensearch/opensearch-product-search-index.ts';
import {
  migrateSearchSchema,
  PostgresProductSearchIndex,
} from './adapters/postgres/postgres-product-search-index.ts';
import { reindexCatalog, type ReindexOptions, type ReindexSummary } from './app/reindex-catalog.ts';
import { loadSearchConfig } from './app/search-config.ts';
import { subscribeSearchConsumers } from './app/search-consumers.ts';
import type { SearchDeps } from './app/search-deps.ts';
import { searchProducts } from './app/search-products.ts';
import { searchRoutes } from './http/search-routes.ts';
import type { ProductSearchIndex, SearchEventInbox } from './ports/product-search-index.ts';
import { SearchHttpClient, type SearchClient } from './search-client.ts';

/** The in-process client, plus what only the process holding the index can do (the CLI uses it). */
export interface LocalSearchClient extends SearchClient {
  /** Rebuilds the index from the catalog (`polyshop search reindex`). */
  reindex(options?: ReindexOptions): Promise<ReindexSummary>;
  /** Searchable products in the index. */
  countIndexed(): Promise<number>;
}

/** The client over the search use cases. */
export function localSearchClient(deps: SearchDeps): LocalSearchClient {
  return {
    searchProducts: (params) => searchProducts(deps, params),
    reindex: (options) => reindexCatalog(deps, options),
    countIndexed: () => deps.index.count(),
  };
}

/** The index and its event inbox, and the probe `/readyz` runs. */
interface SearchStore {
  index: ProductSearchIndex & SearchEventInbox;
  ready: () => Promise<void>;
}

/** The index on the store the platform chose for search (`SEARCH_STORE`, `POLYSHOP_PROFILE`). */
async function openSearchIndex(context: ServiceContext<SearchStoreKind>): Promise<SearchStore> {
  if (context.store === 'opensearch') {
    const config = loadSearchConfig(context.env);
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
  const deps: SearchDeps = { index, inbox: index, catalog: () => context.client('products') };
  const client = localSearchClient(deps);
  return {
    client,
    index,
    routes: searchRoutes(client),
    async start() {
      await subscribeSearchConsumers(deps, context.bus);
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
