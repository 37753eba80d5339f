import { Money } from '@polyshop/kernel';
import type { SqlExecutor } from '@polyshop/stores';
import { fillHistogram, type CountedBucket } from '../../domain/histogram.ts';
import { decodeCursor, encodeCursor, type CursorPosition } from '../../domain/search-cursor.ts';
import {
  MAX_FACET_BUCKETS,
  MAX_RELEVANCE_OFFSET,
  type FacetBucket,
  type FacetField,
  type SearchHit,
  type SearchQuery,
  type SearchResult,
} from '../../domain/search-query.ts';
import { HEADLINE_OPTIONS, toHighlight } from './postgres-highlight.ts';
import type { SearchProductRow } from './search-tables.ts';

/** Collects positional parameters (`$1`, `$2` …) as a statement is assembled. */
class SqlParams {
  readonly values: unknown[];
  constructor(values: unknown[] = []) {
    this.values = [...values];
  }
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Facet fields → columns (a closed list: nothing from the request reaches the SQL text). */
const FACET_COLUMNS: Record<FacetField, string> = { brand: 'p.brand', category: 'p.category' };

// Weights for D, C, B, A: name (A) counts 2.5 times the description (B), 5 times brand/category (C).
const RANK = (tsquery: string) => `ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', p.document, ${tsquery})`;

interface Match {
  where: string;
  params: unknown[];
  /** The tsquery expression, when `q` is given. */
  tsquery: string | undefined;
}

/** The bool query: `q` as the must clause (AND of stemmed English words), filters as filter clauses. */
function matchOf(query: SearchQuery): Match {
  const params = new SqlParams();
  const where = ['p.searchable'];
  let tsquery: string | undefined;
  if (query.q !== '') {
    tsquery = `websearch_to_tsquery('english', ${params.add(query.q)})`;
    where.push(`p.document @@ ${tsquery}`);
  }
  const { categories, brands, inStock, minPrice, maxPrice } = query.filters;
  if (categories) where.push(`p.category = ANY (${params.add(categories)}::text[])`);
  if (brands) where.push(`p.brand = ANY (${params.add(brands)}::text[])`);
  if (inStock !== undefined) where.push(`p.in_stock = ${params.add(inStock)}`);
  if (minPrice !== undefined) where.push(`p.price >= ${params.add(minPrice)}::numeric`);
  if (maxPrice !== undefined) where.push(`p.price <= ${params.add(maxPrice)}::numeric`);
  return { where: where.join(' AND '), params: params.values, tsquery };
}

/** A hit as `pageOf` reads it: searchable rows only (their content is set), with score and headlines. */
type HitRow = Pick<SearchProductRow, 'id' | 'brand' | 'in_stock'> & {
  [Column in 'slug' | 'name' | 'category' | 'price' | 'currency']: NonNullable<SearchProductRow[Column]>;
} & {
  score: number | null;
  name_headline: string | null;
  description_headline: string | null;
};

/** One page of hits (one row more than the limit, to know whether another page follows). */
async function pageOf(
  tx: SqlExecutor,
  query: SearchQuery,
  match: Match,
  position: CursorPosition | undefined,
): Promise<HitRow[]> {
  const params = new SqlParams(match.params);
  const conditions = [match.where];
  // The same order inside (over the matches) and outside (over the page, whose price is text there).
  let order: (table: string) => string;
  let offset = '';
  if (query.sort === 'relevance') {
    order = (table) => `${table}score DESC, ${table}id`;
    if (position && 'offset' in position) offset = `OFFSET ${params.add(position.offset)}`;
  } else {
    const direction = query.sort === 'price' ? 'ASC' : 'DESC';
    order = (table) => `${table}price ${direction}, ${table}id`;
    if (position && 'after' in position) {
      const price = params.add(position.after.price);
      const id = params.add(position.after.id);
      conditions.push(
        `(p.price ${direction === 'ASC' ? '>' : '<'} ${price}::numeric OR (p.price = ${price}::numeric AND p.id > ${id}))`,
      );
    }
  }
  const score = match.tsquery ? RANK(match.tsquery) : 'NULL::real';
  const headline = (column: keyof typeof HEADLINE_OPTIONS) =>
    match.tsquery
      ? `ts_headline('english', page.${column}, ${match.tsquery}, ${params.add(HEADLINE_OPTIONS[column])})`
      : 'NULL';
  const limit = params.add(query.limit + 1);
  // Headlines are costly: computed in the outer query, for the page's rows only.
  return tx.query<HitRow>(
    `SELECT page.id, page.slug, page.name, page.brand, page.category, page.price::text AS price, page.currency,
            page.in_stock, page.score, ${headline('name')} AS name_headline, ${headline('description')} AS description_headline
       FROM (SELECT p.id, p.slug, p.name, p.brand, p.category, p.description, p.price, p.currency, p.in_stock,
                    ${score} AS score
               FROM search.products p
              WHERE ${conditions.join(' AND ')} ORDER BY ${order('')} ${offset} LIMIT ${limit}) page
      ORDER BY ${order('page.')}`,
    params.values,
  );
}

function toHit(row: HitRow): SearchHit {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    brand: row.brand,
    category: row.category,
    price: Money.of(row.price, row.currency).toDecimalString(),
    currency: row.currency,
    inStock: row.in_stock,
    score: row.score,
    highlight: toHighlight({ name: row.name_headline, description: row.description_headline }),
  };
}

function nextPosition(
  query: SearchQuery,
  rows: HitRow[],
  position: CursorPosition | undefined,
): CursorPosition | undefined {
  if (rows.length <= query.limit) return undefined;
  const last = rows[query.limit - 1]!;
  if (query.sort !== 'relevance') return { after: { price: last.price, id: last.id } };
  const offset = (position && 'offset' in position ? position.offset : 0) + query.limit;
  return offset < MAX_RELEVANCE_OFFSET ? { offset } : undefined;
}

async function facetOf(tx: SqlExecutor, field: FacetField, match: Match): Promise<FacetBucket[]> {
  const column = FACET_COLUMNS[field];
  return tx.query<FacetBucket>(
    `SELECT ${column} AS value, count(*) AS count FROM search.products p
      WHERE ${match.where} AND ${column} IS NOT NULL
      GROUP BY ${column} ORDER BY count(*) DESC, ${column} LIMIT ${MAX_FACET_BUCKETS}`,
    match.params,
  );
}

async function priceHistogramOf(tx: SqlExecutor, interval: string, match: Match) {
  const params = new SqlParams(match.params);
  const step = params.add(interval);
  // price − (price mod interval) is exact in numeric, where floor(price / interval) may round.
  const rows = await tx.query<CountedBucket>(
    `SELECT (p.price - mod(p.price, ${step}::numeric))::text AS key, count(*) AS count
       FROM search.products p WHERE ${match.where} GROUP BY 1`,
    params.values,
  );
  return fillHistogram(rows, interval);
}

/**
 * Runs a search on PostgreSQL full-text: `websearch_to_tsquery('english', q)` against the weighted
 * `document` (GIN-indexed), `ts_rank_cd` for the score, `ts_headline` for highlights, exact numeric
 * price filters, GROUP BY for facets and histogram. Call it inside one snapshot (repeatable read) so
 * that total, hits, facets and histogram agree.
 */
export async function searchProducts(tx: SqlExecutor, query: SearchQuery): Promise<SearchResult> {
  const position = decodeCursor(query);
  const match = matchOf(query);
  const [{ total } = { total: 0 }] = await tx.query<{ total: number }>(
    `SELECT count(*) AS total FROM search.products p WHERE ${match.where}`,
    match.params,
  );
  const rows = await pageOf(tx, query, match, position);
  const facets: SearchResult['facets'] = {};
  for (const field of query.facets) facets[field] = await facetOf(tx, field, match);
  const histograms: SearchResult['histograms'] = {};
  if (query.histogram) histograms.price = await priceHistogramOf(tx, query.histogram.interval, match);
  const next = nextPosition(query, rows, position);
  return {
    total,
    hits: rows.slice(0, query.limit).map(toHit),
    facets,
    histograms,
    nextCursor: next ? encodeCursor(query, next) : null,
  };
}
