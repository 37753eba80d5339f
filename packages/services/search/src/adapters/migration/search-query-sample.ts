import { setTimeout as sleep } from 'node:timers/promises';
import { Decimal } from '@polyshop/kernel';
import {
  stableJson,
  type MigrationSide,
  type ViewComparison,
  type ViewDifference,
} from '@polyshop/migration';
import { parseSearchQuery, type SearchParams } from '../../domain/parse-search-query.ts';
import type { SearchQuery, SearchResult } from '../../domain/search-query.ts';

/** A migration side that can also answer searches as users send them. */
export interface SearchSampleSide {
  readonly store: string;
  search(query: SearchQuery): Promise<SearchResult>;
}

export function isSearchSampleSide(side: unknown): side is SearchSampleSide {
  return typeof (side as Partial<SearchSampleSide>).search === 'function';
}

/** Hits per page of a sampled query, and how many pages of each are followed by cursor. */
export const SAMPLE_PAGE = 5;
export const SAMPLE_PAGES = 3;

/** The report's name for the query sample, beside the record kinds. */
export const QUERY_SAMPLE_KIND = 'queries';

/** One sampled search: its name in a report (its parameters) and the parameters. */
export interface SampledQuery {
  key: string;
  params: SearchParams;
}

const firstWord = (name: string): string | undefined =>
  name
    .toLowerCase()
    .split(/[^a-z]+/)
    .find((word) => word.length >= 3);

/**
 * The query sample verify runs on both stores: match-all in every sort (relevance is id order
 * without `q`), stock filters, the most frequent category and brand, a price range, and words of
 * product names — each with the brand and category facets and a price histogram, `SAMPLE_PAGE` hits
 * a page. Values come from the source's own answers, so the sample is the same for the same data.
 * Text queries are sorted by price: relevance scores are each engine's own (only the hit set, order
 * by price then id, totals, facets and histograms must agree).
 */
export async function sampleQueries(source: SearchSampleSide): Promise<SampledQuery[]> {
  const probe = await source.search(
    parseSearchQuery({ facets: 'brand,category', sort: '-price', limit: SAMPLE_PAGE }),
  );
  const highest = probe.hits[0]?.price ?? '100';
  // about 20 buckets below the highest price, a whole number at least 1
  const interval = Decimal.max(new Decimal(highest).dividedBy(20).ceil(), 1).toFixed();
  const base: SearchParams = { facets: 'brand,category', histogram: `price:${interval}`, limit: SAMPLE_PAGE };
  const queries: SampledQuery[] = [];
  const add = (params: SearchParams) => {
    const all = { ...base, ...params };
    queries.push({ key: new URLSearchParams(all as Record<string, string>).toString(), params: all });
  };
  add({ sort: 'relevance' });
  add({ sort: 'price' });
  add({ sort: '-price' });
  add({ inStock: 'true', sort: 'price' });
  add({ inStock: 'false', sort: '-price' });
  const category = probe.facets.category?.[0]?.value;
  if (category) add({ category, sort: 'price' });
  const brand = probe.facets.brand?.[0]?.value;
  if (brand) add({ brand, sort: '-price' });
  const ascending = await source.search(parseSearchQuery({ sort: 'price', limit: SAMPLE_PAGE }));
  const low = ascending.hits[1]?.price;
  const high = probe.hits[1]?.price;
  if (low && high && new Decimal(low).lessThanOrEqualTo(high)) {
    add({ minPrice: low, maxPrice: high, sort: 'relevance' });
  }
  const words = new Set(
    [...ascending.hits, ...probe.hits].map((hit) => firstWord(hit.name)).filter((w) => w !== undefined),
  );
  for (const q of [...words].slice(0, 3)) add({ q, sort: 'price' });
  return queries;
}

/** What users see of one page: the total, the hits in order (id, price, stock), facets, histograms. */
function pageView(result: SearchResult): unknown {
  return {
    total: result.total,
    hits: result.hits.map((hit) => ({ id: hit.id, price: hit.price, inStock: hit.inStock })),
    facets: result.facets,
    histograms: result.histograms,
    more: result.nextCursor !== null,
  };
}

/**
 * Runs the query sample (`sampleQueries`) on `source` and `target` and compares the first
 * `SAMPLE_PAGES` pages of each query, each side following its own cursors: the same hit ids in the
 * same order, the same totals, facet and histogram counts. A query is one difference, at its first
 * page that differs (named by its parameters and page).
 */
export async function compareSampleQueries(
  source: SearchSampleSide,
  target: MigrationSide,
): Promise<ViewComparison> {
  if (!isSearchSampleSide(target)) return { kind: QUERY_SAMPLE_KIND, compared: 0, differences: [] };
  const queries = await sampleQueries(source);
  const differences: ViewDifference[] = [];
  for (const query of queries) {
    // a query that differs is run again a few times first: an event applied to one store and not
    // yet copied to the other (a few milliseconds) is no difference
    let difference = await compareQuery(source, target, query);
    for (let attempt = 0; difference && attempt < QUERY_RETRIES; attempt++) {
      await sleep(QUERY_RETRY_MS * 2 ** attempt);
      difference = await compareQuery(source, target, query);
    }
    if (difference) differences.push(difference);
  }
  return { kind: QUERY_SAMPLE_KIND, compared: queries.length, differences };
}

const QUERY_RETRIES = 5;
const QUERY_RETRY_MS = 25;

/** The first page of `query` that differs between the two sides (each following its own cursors), if any. */
async function compareQuery(
  source: SearchSampleSide,
  target: SearchSampleSide,
  { key, params }: SampledQuery,
): Promise<ViewDifference | undefined> {
  let sourceCursor: string | undefined;
  let targetCursor: string | undefined;
  for (let page = 1; page <= SAMPLE_PAGES; page++) {
    const [a, b] = await Promise.all([
      source.search(parseSearchQuery({ ...params, ...(sourceCursor ? { cursor: sourceCursor } : {}) })),
      target.search(parseSearchQuery({ ...params, ...(targetCursor ? { cursor: targetCursor } : {}) })),
    ]);
    const [x, y] = [pageView(a), pageView(b)];
    if (stableJson(x) !== stableJson(y)) {
      return { key: page === 1 ? key : `${key} (page ${page})`, source: x, target: y };
    }
    if (!a.nextCursor || !b.nextCursor) return undefined;
    sourceCursor = a.nextCursor;
    targetCursor = b.nextCursor;
  }
  return undefined;
}
