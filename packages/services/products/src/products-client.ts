import { ServiceHttpClient } from '@polyshop/http';
import type { Logger } from '@polyshop/kernel';
import type { ProductDocument } from './domain/product.ts';
import type { VariantSnapshot } from './domain/variant-snapshot.ts';

export type { VariantSnapshot } from './domain/variant-snapshot.ts';

/** A page of the whole catalogue, in its stable order (oldest first, then id). */
export interface CatalogPage {
  items: ProductDocument[];
  /** Pass back as `cursor`; null on the last page. */
  nextCursor: string | null;
}

/**
 * How other services use the catalogue: in-process (the module's `client`) or over HTTP
 * (`definition.httpClient`). Both behave the same and throw the same AppErrors.
 */
export interface ProductsClient {
  /**
   * Snapshots of these SKUs (sku, product id and name, variant attributes, exact price, currency,
   * product status), in the order asked; unknown SKUs are simply absent. Any status is returned:
   * the order service decides what it sells (only `active`).
   */
  findVariants(skus: readonly string[]): Promise<VariantSnapshot[]>;
  /** One product document, whatever its status; `not_found` `PRODUCT.NOT_FOUND` otherwise. */
  getProduct(id: string): Promise<ProductDocument>;
  /**
   * Every product (all statuses) page by page in a stable keyset order: what the search service's
   * reindex walks. `limit` 1-100 (default 20).
   */
  listProducts(options: { cursor?: string | null; limit?: number }): Promise<CatalogPage>;
}

const LOOKUP_BATCH = 500;

/** The catalogue over HTTP, for services in other processes. */
export class ProductsHttpClient implements ProductsClient {
  readonly #http: ServiceHttpClient;

  constructor(baseUrl: string, options: { logger?: Logger } = {}) {
    this.#http = new ServiceHttpClient({ baseUrl, ...(options.logger ? { logger: options.logger } : {}) });
  }

  async findVariants(skus: readonly string[]): Promise<VariantSnapshot[]> {
    const found: VariantSnapshot[] = [];
    const unique = [...new Set(skus)];
    for (let start = 0; start < unique.length; start += LOOKUP_BATCH) {
      const { items } = await this.#http.request<{ items: VariantSnapshot[] }>({
        method: 'POST',
        path: '/products/variants/lookup',
        body: { skus: unique.slice(start, start + LOOKUP_BATCH) },
        idempotent: true,
      });
      found.push(...items);
    }
    return found;
  }

  getProduct(id: string): Promise<ProductDocument> {
    return this.#http.request<ProductDocument>({ path: `/products/${encodeURIComponent(id)}` });
  }

  async listProducts(options: { cursor?: string | null; limit?: number }): Promise<CatalogPage> {
    const query = new URLSearchParams({ status: 'any', sort: 'createdAt' });
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.cursor) query.set('cursor', options.cursor);
    const { items, nextCursor } = await this.#http.request<CatalogPage>({
      path: `/products?${query.toString()}`,
    });
    return { items, nextCursor };
  }
}
