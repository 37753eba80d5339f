import type { ServiceContext, ServiceDefinition, ServiceModule } from '@polyshop/http';
import { loadConfig, newId } from '@polyshop/kernel';
import { CatalogStores, type ProductsStore } from './catalog-stores.ts';
import { ProductsConfigSchema } from './app/products-config.ts';
import type { ProductsDeps } from './app/products-deps.ts';
import { ReadCache } from './app/read-cache.ts';
import { findVariants, listProducts } from './app/read-products.ts';
import { getProduct } from './app/write-products.ts';
import { toProductDocument } from './domain/product.ts';
import { PRODUCT_EVENT_TYPES } from './domain/products-events.ts';
import { categoryRoutes } from './http/category-routes.ts';
import { productRoutes } from './http/product-routes.ts';
import { ProductsHttpClient, type ProductsClient } from './products-client.ts';

/** The running catalog service; `deps` lets the platform's CLI load demo data through the same use cases. */
export type ProductsModule = ServiceModule<ProductsClient> & { deps: ProductsDeps };

/** The in-process client: the same use cases the HTTP routes call. */
export function localProductsClient(deps: ProductsDeps): ProductsClient {
  return {
    findVariants: (skus) => findVariants(deps, skus),
    getProduct: async (id) => toProductDocument(await getProduct(deps, id)),
    listProducts: (options) => listProducts(deps, options),
  };
}

/**
 * Builds the catalog on its store (`context.store`: PostgreSQL, or MongoDB with `PRODUCT_STORE=mongodb`
 * or the polyglot profile): repository, routes, outbox relay, and the listing cache — dropped by this
 * instance's writes before they answer, and by every `product.*` event (another instance's writes).
 */
export async function createProductsService(context: ServiceContext<ProductsStore>): Promise<ProductsModule> {
  const config = loadConfig(ProductsConfigSchema, context.env);
  const stores = await CatalogStores.open(context);
  const listingCache = new ReadCache<string>({
    maxEntries: config.PRODUCTS_CACHE_MAX_ENTRIES,
    ttlMs: config.PRODUCTS_CACHE_TTL_MS,
  });
  const deps: ProductsDeps = {
    repository: stores.repository,
    clock: context.clock,
    listingCache,
    afterCommit: () => {
      listingCache.invalidate();
      stores.wake();
    },
  };
  return {
    client: localProductsClient(deps),
    deps,
    async routes(app) {
      // categories first: `/categories` must not be taken for a product id
      await app.register(categoryRoutes(deps, context.authorizer));
      await app.register(productRoutes(deps, context.authorizer));
    },
    async start() {
      if (config.PRODUCTS_CACHE_MAX_ENTRIES > 0) {
        // every instance its own consumer: each must hear every write, not share them out
        await context.bus.subscribe({
          consumer: `products.listing-cache.${newId()}`,
          types: [...PRODUCT_EVENT_TYPES],
          handler: async () => listingCache.invalidate(),
          transient: true,
        });
      }
      await stores.start();
    },
    async stop() {
      await stores.stop();
    },
    async ready() {
      await stores.ping();
    },
    stores: () => stores.describe(),
  };
}

export type { ProductsStore } from './catalog-stores.ts';

declare module '@polyshop/http' {
  interface ServiceRegistry {
    products: { client: ProductsClient; module: ProductsModule };
  }
}

/** How the platform creates the catalog service and reaches it from another process. */
export const definition: ServiceDefinition<'products', ProductsStore> = {
  name: 'products',
  prefix: '/products',
  defaultPort: 3002,
  stores: { variable: 'PRODUCT_STORE', supported: ['postgres', 'mongodb'], polyglot: 'mongodb' },
  needs: ['users'],
  create: createProductsService,
  httpClient: (baseUrl, context) => new ProductsHttpClient(baseUrl, { logger: context.logger }),
};
