import type { Client } from '@opensearch-project/opensearch';
import { AppError, Money } from '@polyshop/kernel';
import { fillHistogram } from '../../domain/histogram.ts';
import { decodeCursor, encodeCursor, type CursorPosition } from '../../domain/search-cursor.ts';
import {
  FACET_FIELDS,
  MAX_HISTOGRAM_BUCKETS,
  MAX_RELEVANCE_OFFSET,
  type SearchHighlight,
  type SearchHit,
  type SearchQuery,
  type SearchResult,
} from '../../domain/search-query.ts';
import type { StoredProduct } from './opensearch-mapping.ts';
import { bucketFrom, searchRequestBody } from './opensearch-search-query.ts';

type HitSource = Required<
  Pick<StoredProduct, 'id' | 'slug' | 'name' | 'category' | 'price' | 'currency' | 'in_stock'>
> &
  Pick<StoredProduct, 'brand'>;

interface ResponseHit {
  _source: HitSource;
  _score: number | null;
  highlight?: { name?: string[]; description?: string[] };
}

interface Bucket {
  key: string | number;
  doc_count: number;
}

interface SearchResponseBody {
  hits: { total: { value: number }; hits: ResponseHit[] };
  aggregations?: Record<string, { buckets: Bucket[] }>;
}

/** Fragments of the description are joined as PostgreSQL's headline joins them. */
const FRAGMENT_DELIMITER = ' … ';

function toHighlight(hit: ResponseHit): SearchHighlight {
  const highlight: SearchHighlight = {};
  const name = hit.highlight?.name?.[0];
  if (name !== undefined) highlight.name = name;
  const description = hit.highlight?.description;
  if (description?.length) highlight.description = description.join(FRAGMENT_DELIMITER);
  return highlight;
}

function toHit(hit: ResponseHit, scored: boolean): SearchHit {
  const source = hit._source;
  return {
    id: source.id,
    slug: source.slug,
    name: source.name,
    brand: source.brand ?? null,
    category: source.category,
    price: Money.of(source.price, source.currency).toDecimalString(),
    currency: source.currency,
    inStock: source.in_stock,
    score: scored ? hit._score : null,
    highlight: toHighlight(hit),
  };
}

function nextPosition(
  query: SearchQuery,
  hits: ResponseHit[],
  position: CursorPosition | undefined,
): CursorPosition | undefined {
  if (hits.length <= query.limit) return undefined;
  const last = hits[query.limit - 1]!._source;
  if (query.sort !== 'relevance') return { after: { price: last.price, id: last.id } };
  const offset = (position && 'offset' in position ? position.offset : 0) + query.limit;
  return offset < MAX_RELEVANCE_OFFSET ? { offset } : undefined;
}

function isTooManyBuckets(error: unknown): boolean {
  const body = (error as { meta?: { body?: unknown } }).meta?.body;
  return body !== undefined && JSON.stringify(body).includes('too_many_buckets_exception');
}

const UNREACHABLE = new Set(['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError']);

/**
 * A node that does not answer (or answers 503) becomes `SEARCH.UNAVAILABLE` (a 503, retried by clients);
 * anything else is kept.
 */
export function unavailableWhenUnreachable(error: unknown): unknown {
  const { name, meta } = error as { name?: string; meta?: { statusCode?: number } };
  if (UNREACHABLE.has(name ?? '') || meta?.statusCode === 503) {
    return AppError.unavailable(
      'SEARCH.UNAVAILABLE',
      'The search index is not reachable; try again shortly.',
      { cause: error },
    );
  }
  return error;
}

/**
 * Runs a search on OpenSearch: one request carries the bool query, the page (`from` or
 * `search_after`), highlights, exact total and the facet and histogram aggregations, so they all
 * read the same point in time. Histogram keys become decimal bounds exactly (`bucketFrom`), and the
 * empty buckets between the lowest and highest are filled in as PostgreSQL does (`fillHistogram`).
 */
export async function searchProducts(
  client: Client,
  index: string,
  query: SearchQuery,
): Promise<SearchResult> {
  const position = decodeCursor(query);
  let body: SearchResponseBody;
  try {
    body = (await client.search({ index, body: searchRequestBody(query, position) }))
      .body as unknown as SearchResponseBody;
  } catch (error) {
    if (!isTooManyBuckets(error)) throw unavailableWhenUnreachable(error);
    // More non-empty buckets than OpenSearch builds is far more than the histogram may span.
    throw AppError.invalidInput(
      'SEARCH.TOO_MANY_BUCKETS',
      `The histogram would have more than ${MAX_HISTOGRAM_BUCKETS} buckets; use a larger interval or narrow the price range.`,
      { field: 'histogram' },
    );
  }
  const hits = body.hits.hits;
  const aggregations = body.aggregations ?? {};
  const facets: SearchResult['facets'] = {};
  for (const field of FACET_FIELDS) {
    if (query.facets.includes(field)) {
      facets[field] = aggregations[field]!.buckets.map((bucket) => ({
        value: String(bucket.key),
        count: bucket.doc_count,
      }));
    }
  }
  const histograms: SearchResult['histograms'] = {};
  if (query.histogram) {
    const { interval } = query.histogram;
    const counted = aggregations.price_histogram!.buckets.map((bucket) => ({
      key: bucketFrom(Number(bucket.key), interval),
      count: bucket.doc_count,
    }));
    histograms.price = fillHistogram(counted, interval);
  }
  const next = nextPosition(query, hits, position);
  return {
    total: body.hits.total.value,
    hits: hits.slice(0, query.limit).map((hit) => toHit(hit, query.q !== '')),
    facets,
    histograms,
    nextCursor: next ? encodeCursor(query, next) : null,
  };
}
