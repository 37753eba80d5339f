import {
  recordsByKey,
  type MigrationRecord,
  type MigrationSide,
  type UpsertOptions,
  type ViewComparison,
} from '@polyshop/migration';
import type { SqlDatabase, SqlExecutor } from '@polyshop/stores';
import type { SearchQuery, SearchResult } from '../../domain/search-query.ts';
// a copy takes the index's write lock: it serialises with the service's writes
import { INDEX_WRITE_LOCK, PostgresProductSearchIndex } from '../postgres/postgres-product-search-index.ts';
import type { SearchProductRow, SkuStockRow } from '../postgres/search-tables.ts';
import {
  canonicalSearchRecord,
  productRecord,
  replaces,
  SEARCH_KINDS,
  searchKind,
  stockRecord,
  upsertStockLevels,
  type IndexedProduct,
  type SkuStockLevel,
} from './search-migration-kinds.ts';
import { compareSampleQueries, type SearchSampleSide } from './search-query-sample.ts';

const PRODUCT_COLUMNS =
  'id, version, searchable, slug, name, brand, category, description, currency, price::text AS price, skus, in_stock';

type ProductRow = Omit<SearchProductRow, 'written_seq' | 'document'>;

function productOf(row: ProductRow): IndexedProduct {
  if (!row.searchable) return { id: row.id, version: row.version, searchable: false, inStock: false };
  return {
    id: row.id,
    version: row.version,
    searchable: true,
    document: {
      id: row.id,
      slug: row.slug!,
      name: row.name!,
      brand: row.brand,
      category: row.category!,
      description: row.description!,
      currency: row.currency!,
      price: row.price!,
      skus: row.skus,
      version: row.version,
    },
    inStock: row.in_stock,
  };
}

const stockOf = (row: SkuStockRow): SkuStockLevel => ({
  sku: row.sku,
  available: row.available,
  version: row.version,
});

/**
 * The search index in PostgreSQL (schema `search`) as the migration engine reads and writes it:
 * products (tombstones included, with their versions) and SKU stock levels in code-point key order,
 * written by version through the index's own statements (under its write lock, so `in_stock` is
 * derived as the index derives it), without touching the event inbox.
 */
export class PostgresSearchSide implements MigrationSide, SearchSampleSide {
  readonly store = 'postgres';
  readonly kinds = SEARCH_KINDS;
  readonly #db: SqlDatabase;
  readonly #index: PostgresProductSearchIndex;

  constructor(db: SqlDatabase) {
    this.#db = db;
    this.#index = new PostgresProductSearchIndex(db);
  }

  async scan(kind: string, after: string | undefined, limit: number): Promise<MigrationRecord[]> {
    if (searchKind(kind) === 'stock') {
      const rows = await this.#db.query<SkuStockRow>(
        `SELECT sku, available, version FROM search.sku_stock
          WHERE $1::text IS NULL OR sku COLLATE "C" > $1::text COLLATE "C"
          ORDER BY sku COLLATE "C" LIMIT $2`,
        [after ?? null, limit],
      );
      return rows.map((row) => stockRecord(stockOf(row)));
    }
    const rows = await this.#db.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM search.products WHERE $1::text IS NULL OR id > $1::text
        ORDER BY id LIMIT $2`,
      [after ?? null, limit],
    );
    return rows.map((row) => productRecord(productOf(row)));
  }

  async lastKey(kind: string): Promise<string | undefined> {
    const [row] = await this.#db.query<{ key: string }>(
      searchKind(kind) === 'stock'
        ? `SELECT sku AS key FROM search.sku_stock ORDER BY sku COLLATE "C" DESC LIMIT 1`
        : `SELECT id AS key FROM search.products ORDER BY id DESC LIMIT 1`,
    );
    return row?.key;
  }

  read(kind: string, keys: readonly string[]): Promise<MigrationRecord[]> {
    return this.#read(this.#db, kind, keys);
  }

  async #read(db: SqlExecutor, kind: string, keys: readonly string[]): Promise<MigrationRecord[]> {
    if (keys.length === 0) return [];
    if (searchKind(kind) === 'stock') {
      const rows = await db.query<SkuStockRow>(
        `SELECT sku, available, version FROM search.sku_stock WHERE sku = ANY($1::text[])`,
        [keys],
      );
      return rows.map((row) => stockRecord(stockOf(row)));
    }
    const rows = await db.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM search.products WHERE id = ANY($1::text[])`,
      [keys],
    );
    return rows.map((row) => productRecord(productOf(row)));
  }

  async upsertIfNewer(
    kind: string,
    records: readonly MigrationRecord[],
    options: UpsertOptions = {},
  ): Promise<string[]> {
    if (records.length === 0) return [];
    return this.#db.transaction(async (tx) => {
      await tx.query(INDEX_WRITE_LOCK);
      const index = new PostgresProductSearchIndex(this.#db, tx);
      const held = recordsByKey(
        await this.#read(
          tx,
          kind,
          records.map((record) => record.key),
        ),
      );
      if (searchKind(kind) === 'stock') {
        return upsertStockLevels(records, held, options, async (stock, heldBefore) => {
          if (heldBefore)
            await tx.query(`UPDATE search.sku_stock SET version = NULL WHERE sku = $1`, [stock.sku]);
          await index.setStock(stock.sku, stock.available, stock.version ?? undefined);
        });
      }
      const written: string[] = [];
      for (const record of records) {
        const product = record.body as IndexedProduct;
        if (!replaces(record, held.get(record.key)?.version, options.force)) continue;
        if (held.has(record.key)) await tx.query(`DELETE FROM search.products WHERE id = $1`, [product.id]);
        if (product.searchable && product.document) await index.upsert(product.document);
        else await index.remove(product.id, product.version);
        written.push(record.key);
      }
      return written;
    });
  }

  async remove(kind: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.#db.transaction(async (tx) => {
      await tx.query(INDEX_WRITE_LOCK);
      if (searchKind(kind) === 'products') {
        await tx.query(`DELETE FROM search.products WHERE id = ANY($1::text[])`, [keys]);
        return;
      }
      await tx.query(`DELETE FROM search.sku_stock WHERE sku = ANY($1::text[])`, [keys]);
      await tx.query(
        `UPDATE search.products p SET in_stock = EXISTS (
           SELECT 1 FROM search.sku_stock s WHERE s.sku = ANY (p.skus) AND s.available > 0)
          WHERE p.skus && $1::text[] AND p.searchable`,
        [keys],
      );
    });
  }

  async count(kind: string): Promise<number> {
    const table = searchKind(kind) === 'stock' ? 'sku_stock' : 'products';
    const [row] = await this.#db.query<{ count: number }>(`SELECT count(*) AS count FROM search.${table}`);
    return row!.count;
  }

  canonical(kind: string, body: unknown): unknown {
    return canonicalSearchRecord(kind, body);
  }

  async drop(): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.query(INDEX_WRITE_LOCK);
      await tx.query('DELETE FROM search.products');
      await tx.query('DELETE FROM search.sku_stock');
      await tx.query('DELETE FROM search.inbox');
    });
  }

  /** Runs a search as users run it (the query sample of verify). */
  search(query: SearchQuery): Promise<SearchResult> {
    return this.#index.search(query);
  }

  /** The query sample run here and on `other` (see `compareSampleQueries`). */
  compareViews(other: MigrationSide): Promise<ViewComparison> {
    return compareSampleQueries(this, other);
  }
}
