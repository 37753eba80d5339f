import type { Logger } from '@polyshop/kernel';
import { ServiceHttpClient } from '@polyshop/http';
import type { SearchParams } from './domain/parse-search-query.ts';
import type { SearchResult } from './domain/search-query.ts';

/** The search service as other services see it: in-process or over HTTP, same behaviour. */
export interface SearchClient {
  /**
   * Searches products with the parameters of `GET /search/products`. Throws an `invalid_input`
   * AppError naming the field for a bad parameter.
   */
  searchProducts(params: SearchParams): Promise<SearchResult>;
}

/** `SearchClient` over HTTP (multi-process mode). */
export class SearchHttpClient implements SearchClient {
  readonly #http: ServiceHttpClient;

  constructor(baseUrl: string, options: { logger?: Logger } = {}) {
    this.#http = new ServiceHttpClient({ baseUrl, ...(options.logger ? { logger: options.logger } : {}) });
  }

  searchProducts(params: SearchParams): Promise<SearchResult> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) query.append(name, String(item));
    }
    const suffix = query.size ? `?${query.toString()}` : '';
    return this.#http.request<SearchResult>({ path: `/search/products${suffix}` });
  }
}
