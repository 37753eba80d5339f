import type { ServiceContext, ServiceDefinition, ServiceModule } from '@polyshop/http';
import { MovableStores } from '@polyshop/migration';
import { OpenSearchSearchSide } from './adapters/migration/opensearch-search-side.ts';
import { PostgresSearchSide } from './adapters/migration/postgres-search-side.ts';
import { RoutedSearchIndex, type SearchStoreHandle } from './adapters/migration/routed-search-index.ts';
import { searchIndexNames } from './adapters/opensearch/opensearch-mapping.ts';
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
import type { ProductSearchIndex } from './ports/product-search-index.ts';
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

/** The migration engine's name for this service. */
export const MIGRATION_SERVICE = 'search';

/** The index on one store: its index and inbox, its migration side, its probe. */
async function openSearchStore(
  context: ServiceContext<SearchStoreKind>,
  store: string,
): Promise<SearchStoreHandle> {
  if (store === 'opensearch') {
    const config = loadSearchConfig(context.env);
    const { client } = context.opensearch();
    const prefix = config.SEARCH_OPENSEARCH_INDEX_PREFIX;
    const index = await OpenSearchProductSearchIndex.open(client, prefix);
    const side = new OpenSearchSearchSide(client, searchIndexNames(prefix));
    return { index, side, ping: () => index.ping(), visible: () => side.visible() };
  }
  if (store === 'postgres') {
    const db = await context.postgres();
    await migrateSearchSchema(db);
    return {
      index: new PostgresProductSearchIndex(db),
      side: new PostgresSearchSide(db),
      ping: () => db.ping(),
    };
  }
  throw new Error(`search cannot run on ${store}`);
}

/**
 * Builds the search service on its store (PostgreSQL full-text or OpenSearch): index, consumers,
 * routes. The index is routed by the migration engine (`MovableStores`): while search moves between
 * stores, events and writes go to the phase's source of truth and are copied to the other store, and
 * searches read where the phase says; the phase comes from the control store in the platform's
 * PostgreSQL.
 */
export async function createSearchService(context: ServiceContext<SearchStoreKind>): Promise<SearchModule> {
  const stores = await MovableStores.openFor<SearchStoreHandle>(context, MIGRATION_SERVICE, (store) =>
    openSearchStore(context, store),
  );
  const index = new RoutedSearchIndex(stores);
  const deps: SearchDeps = { index, inbox: index, catalog: () => context.client('products') };
  const client = localSearchClient(deps);
  return {
    client,
    index,
    routes: searchRoutes(client),
    async start() {
      await stores.start();
      await subscribeSearchConsumers(deps, context.bus);
    },
    stop: () => stores.stop(),
    ready: () => stores.ping(),
    stores: () => stores.describe(),
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
