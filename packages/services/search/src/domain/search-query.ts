/**
 * The search request and response, engine-neutral. They mirror an OpenSearch request 1:1: `q` is the
 * `must` clause (a `simple_query_string` over name^3, description, brand, category with AND as the
 * default operator), `filters` are `filter` clauses (`terms`, `term`, `range`), `facets` are `terms`
 * aggregations, `histogram` a `histogram` aggregation, `sort` + `cursor` are `sort` + `search_after`
 * (price sorts) or `from` (relevance).
 */

/** Fields that can be faceted (terms aggregations). */
export const FACET_FIELDS = ['brand', 'category'] as const;
export type FacetField = (typeof FACET_FIELDS)[number];

/** Fields that can be bucketed in a histogram. */
export const HISTOGRAM_FIELDS = ['price'] as const;
export type HistogramField = (typeof HISTOGRAM_FIELDS)[number];

/**
 * `relevance`: best match first (score, then id); without `q` every product scores alike, so id
 * order. `price` / `-price`: the indexed price ascending / descending, then id ascending.
 */
export const SEARCH_SORTS = ['relevance', 'price', '-price'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
/** Longest accepted `q` (characters). */
export const MAX_QUERY_LENGTH = 200;
/** Buckets per facet: the most frequent values (count descending, then value ascending). */
export const MAX_FACET_BUCKETS = 20;
/** Buckets a histogram may span (OpenSearch refuses too many as well); more is a 400 on `histogram`. */
export const MAX_HISTOGRAM_BUCKETS = 1000;
/** Relevance pages go no deeper than this many hits (OpenSearch's default `max_result_window`). */
export const MAX_RELEVANCE_OFFSET = 10_000;

/** Filters: every given one must hold (a list matches any of its values). */
export interface SearchFilters {
  /** Category slugs (exact). */
  categories?: string[];
  /** Brands (exact, case-sensitive). */
  brands?: string[];
  /** `true`: only products with stock available; `false`: only products without. */
  inStock?: boolean;
  /** Inclusive lower bound on the indexed price (decimal string). */
  minPrice?: string;
  /** Inclusive upper bound on the indexed price (decimal string). */
  maxPrice?: string;
}

/** A fixed-interval histogram: bucket `k` holds prices in `[k·interval, (k+1)·interval)`. */
export interface HistogramRequest {
  field: HistogramField;
  /** Positive decimal string (`"100"`, `"12.5"`). */
  interval: string;
}

/** A validated search (build one with `parseSearchQuery`). */
export interface SearchQuery {
  /**
   * Full-text query in web-search syntax (words AND-ed, `"a phrase"`, `-excluded`, `or`); `''` matches every
   * product.
   */
  q: string;
  filters: SearchFilters;
  /** Facets to compute, over the products the query and filters match. */
  facets: FacetField[];
  histogram?: HistogramRequest;
  sort: SearchSort;
  limit: number;
  /** The `nextCursor` of the previous page of this same search. */
  cursor?: string;
}

/**
 * Highlighted fragments of the fields `q` matched, with matches wrapped in `<em>…</em>` and the
 * rest HTML-escaped (safe to render). Empty without `q`.
 */
export interface SearchHighlight {
  name?: string;
  description?: string;
}

export interface SearchHit {
  id: string;
  slug: string;
  name: string;
  brand: string | null;
  category: string;
  /** Indexed price (see `SearchDocument.price`) with the currency's minor digits. */
  price: string;
  currency: string;
  inStock: boolean;
  /** Relevance score when `q` is given (only the order is meaningful across engines); `null` without `q`. */
  score: number | null;
  highlight: SearchHighlight;
}

export interface FacetBucket {
  value: string;
  count: number;
}

/** `[from, to)` as decimal strings. Empty buckets between the lowest and highest are included. */
export interface HistogramBucket {
  from: string;
  to: string;
  count: number;
}

export interface SearchResult {
  /** Every product the query and filters match (exact, not capped). */
  total: number;
  hits: SearchHit[];
  /** One entry per requested facet; products without a value (no brand) have no bucket. */
  facets: Partial<Record<FacetField, FacetBucket[]>>;
  /** One entry per requested histogram field. */
  histograms: Partial<Record<HistogramField, HistogramBucket[]>>;
  /** Pass as `cursor` (with the same query) for the next page; `null` on the last page. */
  nextCursor: string | null;
}
