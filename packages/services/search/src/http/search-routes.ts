import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { SearchClient } from '../search-client.ts';
import { SearchQuerystring, SearchResultSchema } from './search-schemas.ts';

/** `GET /search/products`: public (no token). */
export function searchRoutes(search: SearchClient): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/products',
      {
        schema: {
          tags: ['search'],
          summary: 'Full-text product search with filters, facets and a price histogram',
          description:
            'Relevance: name weighs more than description; English stemming ("phones" finds "phone"); a word of 3-20 letters also matches inside the words of name, brand and category ("phone" finds "Smartphones"), below whole words. ' +
            'Facets and histogram count every product the query and filters match. ' +
            'price is the lowest price among the active variants; histogram buckets are [from, to), empty ones between the lowest and highest included.',
          querystring: SearchQuerystring,
          response: { 200: SearchResultSchema },
        },
      },
      async (request) => search.searchProducts(request.query),
    );
  };
}
