import { Money } from '@polyshop/kernel';
import type { SqlDatabase, SqlExecutor } from '@polyshop/stores';
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
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** One parameterised statement, and the planner settings it runs with (`SET LOCAL`, in its own transaction). */
export interface SqlStatement {
  sql: string;
  params: unknown[];
  settings: readonly string[];
}

/** Facet fields → columns (a closed list: nothing from the request reaches the SQL text). */
const FACET_COLUMNS: Record<FacetField, string> = { brand: 'm.brand', category: 'm.category' };

// Weights for D, C, B, A: name (A) counts 2.5 times the description (B), 5 times brand/category (C),
// 10 times a word part (D: "phone" inside "Smartphones", see migration 0003). `ts_rank` (weights and
// frequencies) rather than `ts_rank_cd` (cover density): every match is scored, and at 13 000 matches
// the cover density's cost was most of the statement's (40 ms of CPU against 18 for `ts_rank`).
const RANK = (tsquery: string) => `ts_rank('{0.1, 0.2, 0.4, 1.0}', m.document, ${tsquery})`;

/**
 * The matches, as a FROM item `m` with id, score and the columns the statement's parts read. With
 * `q`: a materialised CTE of the matching rows' narrow columns, scored in the one pass that finds them
 * through the GIN index (total, facets, histogram and page all read it). Without `q`: the table
 * itself, so a page in id or price order walks a btree and stops at the limit.
 */
interface Matches {
  /** `WITH …` or ''. */
  with: string;
  from: string;
  /** Conditions on `m` that every match meets. */
  where: string[];
  /** The score of `m` (NULL without `q`). */
  score: string;
  /** The tsquery expression and the placeholder of `q`, when `q` is given (for headlines). */
  tsquery: string | undefined;
  q?: string;
}

/** The bool query: `q` (AND of stemmed English words, each also as a word part) and the filters. */
function matchesOf(query: SearchQuery, params: SqlParams): Matches {
  const where = ['m.searchable'];
  const { categories, brands, inStock, minPrice, maxPrice } = query.filters;
  if (categories) where.push(`m.category = ANY (${params.add(categories)}::text[])`);
  if (brands) where.push(`m.brand = ANY (${params.add(brands)}::text[])`);
  if (inStock !== undefined) where.push(`m.in_stock = ${params.add(inStock)}`);
  if (minPrice !== undefined) where.push(`m.price >= ${params.add(minPrice)}::numeric`);
  if (maxPrice !== undefined) where.push(`m.price <= ${params.add(maxPrice)}::numeric`);
  if (query.q === '') {
    return { with: '', from: 'search.products m', where, score: 'NULL::real', tsquery: undefined };
  }
  const q = params.add(query.q);
  // The tsquery is computed once, at run time (an InitPlan), not folded into the plan: the statement
  // plans alike for every `q`, so its prepared form keeps one generic plan (no planning per search)
  // and runs without settings (no transaction of its own); `@@` on a runtime value is estimated at
  // 0.5% of the rows, which keeps the GIN index (bitmap scan) whatever the catalogue's statistics.
  const tsquery = '(SELECT tsq FROM tsq)';
  where.push(`m.document @@ ${tsquery}`);
  // The matches' narrow columns, only those a part reads (facets, histogram, price order).
  const columns = ['m.id'];
  if (query.histogram || query.sort !== 'relevance') columns.push('m.price');
  for (const field of query.facets) columns.push(FACET_COLUMNS[field]);
  return {
    with: `WITH tsq AS MATERIALIZED (SELECT search.with_word_parts(websearch_to_tsquery('english', ${q})) AS tsq),
      matches AS MATERIALIZED (SELECT ${columns.join(', ')}, ${RANK(tsquery)} AS score
      FROM search.products m WHERE ${where.join(' AND ')})`,
    from: 'matches m',
    where: [],
    score: 'm.score',
    tsquery,
    q,
  };
}

/** The weight of each highlighted field's lexemes in `document` (migration 0003). */
const FIELD_WEIGHTS = { name: 'a', description: 'b' } as const;

const conditions = (where: readonly string[]) => (where.length ? `WHERE ${where.join(' AND ')}` : '');

/** The page's ids and scores in order (one row more than the limit, to know whether another page follows). */
function pageOf(
  query: SearchQuery,
  matches: Matches,
  position: CursorPosition | undefined,
  params: SqlParams,
): { sql: string; order: (table: string) => string } {
  const where = [...matches.where];
  let order: (table: string) => string;
  let offset = '';
  if (query.sort === 'relevance') {
    // `score` by its output name: the table has no such column without `q`.
    order = (table) => `score DESC, ${table}id`;
    if (position && 'offset' in position) offset = `OFFSET ${params.add(position.offset)}`;
  } else {
    const direction = query.sort === 'price' ? 'ASC' : 'DESC';
    order = (table) => `${table}price ${direction}, ${table}id`;
    if (position && 'after' in position) {
      const price = params.add(position.after.price);
      const id = params.add(position.after.id);
      where.push(
        `(m.price ${direction === 'ASC' ? '>' : '<'} ${price}::numeric OR (m.price = ${price}::numeric AND m.id > ${id}))`,
      );
    }
  }
  const limit = params.add(query.limit + 1);
  return {
    sql: `SELECT m.id, ${query.sort === 'relevance' ? '' : 'm.price, '}${matches.score} AS score FROM ${matches.from} ${conditions(where)}
      ORDER BY ${order('m.')} ${offset} LIMIT ${limit}`,
    order,
  };
}

function facetOf(field: FacetField, matches: Matches): string {
  const column = FACET_COLUMNS[field];
  return `(SELECT coalesce(json_agg(json_build_object('value', f.value, 'count', f.count) ORDER BY f.count DESC, f.value), '[]')
     FROM (SELECT ${column} AS value, count(*) AS count FROM ${matches.from}
            ${conditions([...matches.where, `${column} IS NOT NULL`])}
            GROUP BY ${column} ORDER BY count(*) DESC, ${column} LIMIT ${MAX_FACET_BUCKETS}) f)`;
}

function priceHistogramOf(interval: string, matches: Matches, params: SqlParams): string {
  const step = params.add(interval);
  // price − (price mod interval) is exact in numeric, where floor(price / interval) may round.
  return `(SELECT coalesce(json_agg(json_build_object('key', b.key, 'count', b.count)), '[]')
     FROM (SELECT (m.price - mod(m.price, ${step}::numeric))::text AS key, count(*) AS count
             FROM ${matches.from} ${conditions(matches.where)} GROUP BY 1) b)`;
}

/**
 * The one statement a search runs (one snapshot, one round trip): the exact total, the page's hits
 * with headlines, each requested facet and the histogram, as one row of JSON. With `q`, every match
 * is found and scored once (`websearch_to_tsquery('english', q)` with word parts against the
 * GIN-indexed weighted `document`, `ts_rank`); headlines (`ts_headline`, costly) and the
 * content columns are read for the page's rows only.
 */
export function searchStatement(query: SearchQuery, position: CursorPosition | undefined): SqlStatement {
  const params = new SqlParams();
  const matches = matchesOf(query, params);
  const page = pageOf(query, matches, position, params);
  // A field none of whose words is a word of `q` (its lexemes in `document`, at the field's weight)
  // has nothing to mark: `ts_headline`, which parses the whole text, is skipped (NULL, no highlight).
  const headline = (column: keyof typeof HEADLINE_OPTIONS) =>
    matches.tsquery
      ? `CASE WHEN tsvector_to_array(ts_filter(p.document, '{${FIELD_WEIGHTS[column]}}'))
                && tsvector_to_array(to_tsvector('english', ${matches.q}))
         THEN ts_headline('english', p.${column}, ${matches.tsquery}, ${params.add(HEADLINE_OPTIONS[column])}) END`
      : 'NULL';
  const parts = [
    `(SELECT count(*) FROM ${matches.from} ${conditions(matches.where)}) AS total`,
    `(SELECT coalesce(json_agg(json_build_object('id', p.id, 'slug', p.slug, 'name', p.name, 'brand', p.brand,
        'category', p.category, 'price', p.price::text, 'currency', p.currency, 'in_stock', p.in_stock,
        'score', m.score, 'name_headline', ${headline('name')}, 'description_headline', ${headline('description')})
        ORDER BY ${page.order('m.')}), '[]')
       FROM (${page.sql}) m JOIN search.products p ON p.id = m.id) AS hits`,
  ];
  for (const field of query.facets) parts.push(`${facetOf(field, matches)} AS ${field}`);
  if (query.histogram)
    parts.push(`${priceHistogramOf(query.histogram.interval, matches, params)} AS histogram`);
  return {
    sql: `${matches.with} SELECT ${parts.join(',\n')}`,
    params: params.values,
    settings: [],
  };
}

/** A hit as the statement returns it: searchable rows only (their content is set), with score and headlines. */
type HitRow = Pick<SearchProductRow, 'id' | 'brand' | 'in_stock'> & {
  [Column in 'slug' | 'name' | 'category' | 'price' | 'currency']: NonNullable<SearchProductRow[Column]>;
} & {
  score: number | null;
  name_headline: string | null;
  description_headline: string | null;
};

/** The statement's one row. */
type SearchRow = { total: number; hits: HitRow[]; histogram?: CountedBucket[] } & Partial<
  Record<FacetField, FacetBucket[]>
>;

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

/**
 * Runs a search on PostgreSQL full-text with `searchStatement`: exact numeric price filters, GROUP
 * BY for facets and histogram, all in one statement (so total, hits, facets and histogram agree).
 */
export async function searchProducts(
  db: SqlExecutor,
  query: SearchQuery,
  /** Runs the statement with its settings in a transaction of its own (absent: inside the caller's, as it is). */
  transaction?: SqlDatabase['transaction'],
): Promise<SearchResult> {
  const position = decodeCursor(query);
  const statement = searchStatement(query, position);
  const [row] =
    transaction && statement.settings.length
      ? await transaction(async (tx) => {
          for (const setting of statement.settings) await tx.execute(setting);
          return tx.query<SearchRow>(statement.sql, statement.params);
        })
      : await db.query<SearchRow>(statement.sql, statement.params);
  const { total, hits } = row!;
  const facets: SearchResult['facets'] = {};
  for (const field of query.facets) facets[field] = row![field]!;
  const histograms: SearchResult['histograms'] = {};
  if (query.histogram) histograms.price = fillHistogram(row!.histogram!, query.histogram.interval);
  const next = nextPosition(query, hits, position);
  return {
    total: Number(total),
    hits: hits.slice(0, query.limit).map(toHit),
    facets,
    histograms,
    nextCursor: next ? encodeCursor(query, next) : null,
  };
}
