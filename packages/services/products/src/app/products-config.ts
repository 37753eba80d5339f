import Type, { type Static } from 'typebox';

/** The catalog service's environment variables (validated at start-up by `loadConfig`). */
export const ProductsConfigSchema = Type.Object({
  /**
   * Listing answers (`GET /products`: page and facets) kept in each instance's read cache; 0 turns it
   * off. A product write drops them all: at once on the instance that wrote, on the `product.*` event
   * elsewhere.
   */
  PRODUCTS_CACHE_MAX_ENTRIES: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 1000 }),
  /** Longest a cached listing is served (ms): bounds what no event announces (another instance's category edit). */
  PRODUCTS_CACHE_TTL_MS: Type.Integer({ minimum: 1, maximum: 86_400_000, default: 30_000 }),
});

export type ProductsConfig = Static<typeof ProductsConfigSchema>;
