import { AppError, Decimal } from '@polyshop/kernel';
import type { CursorPosition } from '../../domain/search-cursor.ts';
import {
  FACET_FIELDS,
  MAX_FACET_BUCKETS,
  type SearchFilters,
  type SearchQuery,
} from '../../domain/search-query.ts';
import { fitsLong, PRICE_SCALE, scaledPrice } from './opensearch-mapping.ts';

/**
 * The full-text fields and their boosts, in PostgreSQL's weights (name A 1.0, description B 0.4,
 * brand and category C 0.2, word parts D 0.1): a name match outranks a description-only one, and a
 * whole-word match a part-word one.
 */
export const QUERY_FIELDS = [
  'name^5',
  'description^2',
  'brand.text',
  'category.text',
  'name.parts^0.5',
  'brand.parts^0.5',
  'category.parts^0.5',
];

/** Highlighted fields: the whole name; up to two fragments of the description. */
const HIGHLIGHT = {
  encoder: 'html',
  pre_tags: ['<em>'],
  post_tags: ['</em>'],
  fields: {
    name: { number_of_fragments: 0 },
    description: { number_of_fragments: 2, fragment_size: 150, no_match_size: 0 },
  },
};

type Clause = Record<string, unknown>;

/**
 * `q` in web-search syntax as a `simple_query_string`: words are AND-ed, `"phrase"` and `-word`
 * work, and the word `or` between two words becomes its `|`. Only those operators are enabled, so
 * `*`, `~`, `(` and the like are plain characters and no input is a query error.
 */
export function fullTextClause(q: string): Clause {
  const query = q.replace(/(\S)\s+or\s+(?=\S)/gi, '$1 | ');
  return {
    simple_query_string: {
      query,
      fields: QUERY_FIELDS,
      default_operator: 'and',
      flags: 'PHRASE|NOT|OR|WHITESPACE',
    },
  };
}

/**
 * The price range clause on `price_scaled` (bounds rounded inwards to whole scaled units), or a no-match when
 * empty.
 */
function priceClause(minPrice: string | undefined, maxPrice: string | undefined): Clause | undefined {
  const range: Record<string, string> = {};
  if (minPrice !== undefined) {
    const low = scaledPrice(minPrice, 'ceil');
    if (!fitsLong(low)) return { match_none: {} };
    range.gte = low.toFixed();
  }
  if (maxPrice !== undefined) {
    const high = scaledPrice(maxPrice, 'floor');
    if (fitsLong(high)) range.lte = high.toFixed();
  }
  return Object.keys(range).length ? { range: { price_scaled: range } } : undefined;
}

/** The `filter` clauses: only searchable products, then every filter the query gives. */
export function filterClauses(filters: SearchFilters): Clause[] {
  const clauses: Clause[] = [{ term: { searchable: true } }];
  if (filters.categories) clauses.push({ terms: { category: filters.categories } });
  if (filters.brands) clauses.push({ terms: { brand: filters.brands } });
  if (filters.inStock !== undefined) clauses.push({ term: { in_stock: filters.inStock } });
  const price = priceClause(filters.minPrice, filters.maxPrice);
  if (price) clauses.push(price);
  return clauses;
}

/** True when `value` is a whole number of scaled price units (at most PRICE_SCALE decimals). */
function isWholeScaled(value: string): boolean {
  return scaledPrice(value, 'floor').equals(scaledPrice(value, 'ceil'));
}

/**
 * The histogram aggregation. An interval that is a whole number of scaled units buckets the `long`
 * field natively (integer keys, exact); a finer one buckets a script's exact bucket index instead
 * (BigDecimal arithmetic), so that no bound ever depends on a float.
 */
function histogramAggregation(interval: string): Clause {
  const scaled = scaledPrice(interval, 'floor');
  if (isWholeScaled(interval)) {
    return { histogram: { field: 'price_scaled', interval: scaled.toNumber(), min_doc_count: 1 } };
  }
  return {
    histogram: {
      script: {
        source: `new BigDecimal(String.valueOf(doc['price_scaled'].value)).movePointLeft(${PRICE_SCALE}).divideToIntegralValue(new BigDecimal(params.interval)).longValue()`,
        params: { interval },
      },
      interval: 1,
      min_doc_count: 1,
    },
  };
}

/**
 * The lower bound (decimal string) of the bucket an aggregation key stands for: the bucket's index
 * (the key ÷ the scaled interval, rounded off any float error) times the interval, in decimals.
 */
export function bucketFrom(key: number, interval: string): string {
  const bucket = isWholeScaled(interval) ? Math.round(key / scaledPrice(interval, 'floor').toNumber()) : key;
  return new Decimal(bucket).times(interval).toFixed();
}

const SORTS = {
  relevance: [{ _score: 'desc' }, { id: 'asc' }],
  price: [{ price_scaled: 'asc' }, { id: 'asc' }],
  '-price': [{ price_scaled: 'desc' }, { id: 'asc' }],
} as const;

/** Fields a hit needs from `_source`. */
export const HIT_SOURCE = ['id', 'slug', 'name', 'brand', 'category', 'price', 'currency', 'in_stock'];

/**
 * The search request body: the seed's bool query (`must` = full text, `filter` = term/terms/range),
 * `terms` aggregations for facets and a `histogram` for prices over every match, one hit more than
 * the page (to know whether another follows), `search_after` for price sorts, `from` for relevance.
 */
export function searchRequestBody(
  query: SearchQuery,
  position: CursorPosition | undefined,
): Record<string, unknown> {
  const must = query.q === '' ? [] : [fullTextClause(query.q)];
  const aggs: Record<string, Clause> = {};
  for (const field of FACET_FIELDS) {
    if (query.facets.includes(field)) {
      aggs[field] = {
        terms: { field, size: MAX_FACET_BUCKETS, order: [{ _count: 'desc' }, { _key: 'asc' }] },
      };
    }
  }
  if (query.histogram) aggs.price_histogram = histogramAggregation(query.histogram.interval);
  const body: Record<string, unknown> = {
    query: { bool: { must, filter: filterClauses(query.filters) } },
    sort: SORTS[query.sort],
    size: query.limit + 1,
    track_total_hits: true,
    _source: HIT_SOURCE,
    aggs,
  };
  if (query.q !== '') {
    body.highlight = HIGHLIGHT;
    // A price sort skips scoring unless asked: hits carry their score whatever the order.
    body.track_scores = true;
  }
  if (position && 'offset' in position) body.from = position.offset;
  if (position && 'after' in position)
    body.search_after = [cursorPrice(position.after.price), position.after.id];
  return body;
}

/** A cursor's price as a `search_after` value; a price no hit can have means the cursor was not issued here. */
function cursorPrice(price: string): string {
  const scaled = scaledPrice(price, 'floor');
  if (!fitsLong(scaled) || !isWholeScaled(price)) {
    throw AppError.invalidInput('SEARCH.INVALID_CURSOR', 'The cursor is not one this service issued.', {
      field: 'cursor',
    });
  }
  return scaled.toFixed();
}
