import type { SqlExecutor } from '@polyshop/stores';
import { byCountThenValue, isWholeCategory } from '../../domain/facets.ts';
import type {
  FacetCount,
  FacetRequest,
  FilterScalar,
  ProductFilter,
  ProductSearch,
  SearchPosition,
} from '../../domain/product-query.ts';
import type { ProductPage, RenderedProductPage } from '../../ports/product-repository.ts';
import {
  PRODUCT_TEXT_COLUMNS,
  productFromRow,
  productJsonFromRow,
  SCHEMA,
  type ProductTextRow,
} from './catalog-rows.ts';
import { PRODUCTS_TABLE, type ProductRow } from './catalog-tables.ts';

/** Collects bind parameters and hands out their `$n` placeholders. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

/** Sort expressions and how a cursor key is cast to compare with them (each has a keyset index). */
const SORT = {
  price: { expression: 'p.min_price', cast: '::numeric' },
  name: { expression: '(p.name COLLATE "C")', cast: '::text COLLATE "C"' },
  createdAt: { expression: 'p.created_at', cast: '::timestamptz' },
} as const;

/**
 * The WHERE conditions of a filter. Attribute and specification filters become JSONB containment
 * (`@>`), which the GIN `jsonb_path_ops` indexes answer; a price range becomes an EXISTS over the
 * variants' price index. `skipAttribute` leaves one attribute's filter out (its own facet).
 */
function conditions(filter: ProductFilter, params: Params, skipAttribute?: string): string[] {
  const where: string[] = [`p.status = ANY(${params.add(filter.statuses, '::text[]')})`];
  if (filter.category !== undefined) where.push(`p.category = ${params.add(filter.category)}`);
  if (filter.brands) where.push(`p.brand = ANY(${params.add(filter.brands, '::text[]')})`);
  if (filter.currency !== undefined) where.push(`p.currency = ${params.add(filter.currency)}`);
  for (const attribute of filter.attributes) {
    if (attribute.name === skipAttribute) continue;
    const documents = attribute.values.map((value) => ({
      [attribute.name]: attribute.multiValued ? [value] : value,
    }));
    where.push(anyContains('p.attributes', documents, params));
  }
  for (const specification of filter.specifications) {
    const documents = specification.values.flatMap((value) => [
      nest(specification.path, value),
      nest(specification.path, [value]),
    ]);
    where.push(anyContains('p.specifications', documents, params));
  }
  if (filter.minPrice !== undefined || filter.maxPrice !== undefined) {
    const bounds = ['v.product_id = p.id'];
    if (filter.minPrice !== undefined) bounds.push(`v.price >= ${params.add(filter.minPrice, '::numeric')}`);
    if (filter.maxPrice !== undefined) bounds.push(`v.price <= ${params.add(filter.maxPrice, '::numeric')}`);
    where.push(`EXISTS (SELECT 1 FROM ${SCHEMA}.product_variants v WHERE ${bounds.join(' AND ')})`);
  }
  return where;
}

function anyContains(column: string, documents: object[], params: Params): string {
  return `(${documents.map((document) => `${column} @> ${params.add(JSON.stringify(document), '::jsonb')}`).join(' OR ')})`;
}

function nest(path: readonly string[], leaf: FilterScalar | FilterScalar[]): object {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), leaf) as object;
}

const PRODUCT_COLUMNS_OF_P = PRODUCTS_TABLE.columns.map((column) => `p.${column}`).join(', ');

/** Runs a product search: one query for the page, one (a UNION ALL over the facets) for the facet counts. */
export async function searchProducts(db: SqlExecutor, search: ProductSearch): Promise<ProductPage> {
  const [{ rows, next }, facets] = await Promise.all([
    pageOf<ProductRow>(db, search, PRODUCT_COLUMNS_OF_P),
    facetsOf(db, search),
  ]);
  return { items: rows.map(productFromRow), ...(next && { next }), facets };
}

/**
 * The same search, the products rendered as the API's JSON from rows whose JSON columns come as text:
 * the process passes that text through instead of parsing it into objects and serialising it again.
 */
export async function searchProductsJson(
  db: SqlExecutor,
  search: ProductSearch,
): Promise<RenderedProductPage> {
  const [{ rows, next }, facets] = await Promise.all([
    pageOf<ProductTextRow>(db, search, PRODUCT_TEXT_COLUMNS),
    facetsOf(db, search),
  ]);
  return { itemsJson: `[${rows.map(productJsonFromRow).join(',')}]`, ...(next && { next }), facets };
}

/** The page's rows (`columns` of `products p`) and, when there is a next page, where it starts. */
async function pageOf<R extends SortKeys>(
  db: SqlExecutor,
  search: ProductSearch,
  columns: string,
): Promise<{ rows: R[]; next?: SearchPosition }> {
  const params = new Params();
  const where = conditions(search.filter, params);
  const sort = SORT[search.sort.field];
  const direction = search.sort.direction === 'desc' ? 'DESC' : 'ASC';
  if (search.after) {
    const comparison = direction === 'DESC' ? '<' : '>';
    where.push(
      `(${sort.expression}, p.id) ${comparison} (${params.add(search.after.key, sort.cast)}, ${params.add(search.after.id, '::uuid')})`,
    );
  }
  const rows = await db.query<R>(
    `SELECT ${columns}
     FROM ${SCHEMA}.products p WHERE ${where.join(' AND ')}
     ORDER BY ${sort.expression} ${direction}, p.id ${direction}
     LIMIT ${params.add(search.limit + 1)}`,
    params.values,
  );
  const page = rows.slice(0, search.limit);
  const last = page.at(-1);
  if (rows.length <= search.limit || !last) return { rows: page };
  return { rows: page, next: positionOf(last, search.sort.field) };
}

/** What a row must hold to say where the next page starts. */
type SortKeys = Pick<ProductRow, 'id' | 'min_price' | 'name' | 'created_at'>;

function positionOf(row: SortKeys, field: keyof typeof SORT): SearchPosition {
  const key = field === 'price' ? row.min_price : field === 'name' ? row.name : row.created_at.toISOString();
  return { key, id: row.id };
}

async function facetsOf(db: SqlExecutor, search: ProductSearch): Promise<Record<string, FacetCount[]>> {
  const facets: Record<string, FacetCount[]> = {};
  if (search.facets.length === 0) return facets;
  const rows = isWholeCategory(search.filter)
    ? await maintainedCounts(db, search.filter, search.facets)
    : await countedFacets(db, search);
  for (const facet of search.facets) facets[facet.name] = [];
  for (const row of rows) facets[row.facet]!.push({ value: row.value, count: row.count });
  for (const counts of Object.values(facets)) counts.sort(byCountThenValue);
  return facets;
}

type FacetCountResult = { facet: string; value: FilterScalar; count: number };

/** The whole category's facets from `catalog.facet_counts` (kept by triggers): a few hundred rows at most. */
function maintainedCounts(
  db: SqlExecutor,
  filter: ProductFilter & { category: string },
  facets: readonly FacetRequest[],
): Promise<FacetCountResult[]> {
  return db.query<FacetCountResult>(
    `SELECT attribute AS facet, value, sum(count)::int8 AS count FROM ${SCHEMA}.facet_counts
     WHERE category = $1 AND status = ANY($2::text[]) AND attribute = ANY($3::text[])
       AND element = (attribute = ANY($4::text[]))
     GROUP BY attribute, value HAVING sum(count) > 0`,
    [
      filter.category,
      filter.statuses,
      facets.map((facet) => facet.name),
      facets.filter((facet) => facet.multiValued).map((facet) => facet.name),
    ],
  );
}

/** Facets counted over the filtered products: one query, a UNION ALL of one count per facet. */
function countedFacets(db: SqlExecutor, search: ProductSearch): Promise<FacetCountResult[]> {
  const params = new Params();
  const filtered = new Set(search.filter.attributes.map((attribute) => attribute.name));
  // Facets whose attribute is not filtered all count over the same set: one scan, materialised once.
  const shared = search.facets.filter((facet) => !filtered.has(facet.name));
  const own = search.facets.filter((facet) => filtered.has(facet.name));
  const selects: string[] = [];
  let prefix = '';
  if (shared.length > 0) {
    const keys = shared.map((facet) => params.add(facet.name, '::text'));
    const columns = keys.map((key, index) => `p.attributes -> ${key} AS f${index}`).join(', ');
    prefix = `WITH base AS MATERIALIZED (SELECT ${columns} FROM ${SCHEMA}.products p WHERE ${conditions(search.filter, params).join(' AND ')})\n`;
    shared.forEach((facet, index) =>
      selects.push(countValues(keys[index]!, facet.multiValued, `base.f${index}`, 'base', 'true')),
    );
  }
  for (const facet of own) {
    const key = params.add(facet.name, '::text');
    const where = conditions(search.filter, params, facet.name).join(' AND ');
    selects.push(
      countValues(key, facet.multiValued, `p.attributes -> ${key}`, `${SCHEMA}.products p`, where),
    );
  }
  return db.query<FacetCountResult>(prefix + selects.join('\nUNION ALL\n'), params.values);
}

/** Counts the values of one facet (`value` a jsonb expression over `from`); a list counts each element. */
function countValues(key: string, multiValued: boolean, value: string, from: string, where: string): string {
  const values = multiValued
    ? `SELECT e.value FROM ${from} CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(${value}) = 'array' THEN ${value} ELSE '[]'::jsonb END) AS e(value) WHERE ${where}`
    : `SELECT ${value} AS value FROM ${from} WHERE ${where} AND ${value} IS NOT NULL`;
  return `(SELECT ${key} AS facet, x.value, count(*) AS count FROM (${values}) x GROUP BY x.value)`;
}
