import Type from 'typebox';
import { DecimalString } from '@polyshop/http';
import { FACET_FIELDS, MAX_LIMIT, MAX_QUERY_LENGTH, SEARCH_SORTS } from '../domain/search-query.ts';

const Terms = (description: string) =>
  Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50, description });

/** `GET /search/products` query string (unknown parameters are refused, naming them). */
export const SearchQuerystring = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        maxLength: MAX_QUERY_LENGTH,
        description:
          'Words to find (all must match; stemmed English; "a phrase", -excluded, or). Empty: every product.',
        examples: ['smartphone'],
      }),
    ),
    category: Type.Optional(Terms('Category slug; repeat for any of several.')),
    brand: Type.Optional(Terms('Brand (exact); repeat for any of several.')),
    inStock: Type.Optional(
      Type.Boolean({ description: 'true: only products with stock available; false: only those without.' }),
    ),
    minPrice: Type.Optional(
      Type.String({ description: 'Lowest price (inclusive), a decimal string.', examples: ['200'] }),
    ),
    maxPrice: Type.Optional(
      Type.String({ description: 'Highest price (inclusive), a decimal string.', examples: ['800'] }),
    ),
    facets: Type.Optional(
      Type.String({
        description: `Comma-separated facets to count: ${FACET_FIELDS.join(', ')}.`,
        examples: ['brand,category'],
      }),
    ),
    histogram: Type.Optional(
      Type.String({ description: 'field:interval, e.g. price:100.', examples: ['price:100'] }),
    ),
    sort: Type.Optional(
      Type.String({ description: `${SEARCH_SORTS.join(' | ')} (default relevance).`, examples: ['-price'] }),
    ),
    limit: Type.Optional(
      Type.String({ description: `Hits per page, 1-${MAX_LIMIT} (default 20).`, examples: ['20'] }),
    ),
    cursor: Type.Optional(
      Type.String({
        maxLength: 500,
        description: 'nextCursor of the previous page (same q, filters and sort).',
      }),
    ),
  },
  { additionalProperties: false },
);

const Hit = Type.Object({
  id: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  brand: Type.Union([Type.String(), Type.Null()]),
  category: Type.String(),
  price: DecimalString({
    description: "Lowest price among the active variants, with the currency's minor digits.",
  }),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  inStock: Type.Boolean(),
  score: Type.Union([Type.Number(), Type.Null()], { description: 'Relevance (order only); null without q.' }),
  highlight: Type.Object(
    { name: Type.Optional(Type.String()), description: Type.Optional(Type.String()) },
    { description: 'Matched fields, HTML-escaped, matches in <em>.' },
  ),
});

const Buckets = Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() }));
const HistogramBuckets = Type.Array(
  Type.Object({ from: DecimalString(), to: DecimalString(), count: Type.Integer() }),
);

/** `GET /search/products` answer. */
export const SearchResultSchema = Type.Object({
  total: Type.Integer(),
  hits: Type.Array(Hit),
  facets: Type.Object({ brand: Type.Optional(Buckets), category: Type.Optional(Buckets) }),
  histograms: Type.Object({ price: Type.Optional(HistogramBuckets) }),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
