import { fileURLToPath } from 'node:url';
import type { EventEnvelope } from '@polyshop/kernel';
import { handleOnce, migrate, type SqlDatabase, type SqlExecutor } from '@polyshop/stores';
import type { SearchDocument } from '../../domain/search-document.ts';
import type { SearchQuery, SearchResult } from '../../domain/search-query.ts';
import type { IndexRebuild, ProductSearchIndex, SearchEventInbox } from '../../ports/product-search-index.ts';
import { withoutMarks } from './postgres-highlight.ts';
import { searchProducts } from './postgres-product-search.ts';

/** The search service's PostgreSQL schema. */
export const SEARCH_SCHEMA = 'search';

const migrations = fileURLToPath(new URL('../../../migrations', import.meta.url));

/** Applies the search schema's migrations (and its inbox/outbox tables). */
export async function migrateSearchSchema(db: SqlDatabase): Promise<void> {
  await migrate(db, { schema: SEARCH_SCHEMA, directory: migrations });
}

// Writes are serialised: a product written while its SKU's stock changes must see the other's
// result (each statement after the lock reads what committed before it, even in read committed).
export const INDEX_WRITE_LOCK = `SELECT pg_advisory_xact_lock(hashtext('polyshop.search.index.write'))`;

const IN_STOCK = (skus: string) =>
  `EXISTS (SELECT 1 FROM search.sku_stock s WHERE s.sku = ANY (${skus}) AND s.available > 0)`;

/** `IN_STOCK` from the SKUs other than `sku`. */
const IN_STOCK_OTHER = (skus: string, sku: string) =>
  `EXISTS (SELECT 1 FROM search.sku_stock s WHERE s.sku = ANY (${skus}) AND s.sku <> ${sku} AND s.available > 0)`;

/** Writes documents; `guard` says which held versions a document may replace. */
async function writeDocuments(
  tx: SqlExecutor,
  docs: readonly SearchDocument[],
  guard: '<' | '<=',
): Promise<number> {
  // One statement cannot change a row twice: keep the newest document per id.
  const newest = new Map<string, SearchDocument>();
  for (const doc of docs) {
    const held = newest.get(doc.id);
    if (!held || held.version < doc.version) newest.set(doc.id, doc);
  }
  if (newest.size === 0) return 0;
  const rows = [...newest.values()].map((doc) => ({
    ...doc,
    name: withoutMarks(doc.name),
    description: withoutMarks(doc.description),
  }));
  return tx.execute(
    `INSERT INTO search.products AS p
       (id, version, searchable, slug, name, brand, category, description, currency, price, skus, in_stock, written_seq)
     SELECT d.id, d.version, true, d.slug, d.name, d.brand, d.category, d.description, d.currency, d.price, d.skus,
            ${IN_STOCK('d.skus')}, nextval('search.write_seq')
       FROM jsonb_to_recordset($1::jsonb) AS d(id text, version integer, slug text, name text, brand text,
            category text, description text, currency text, price numeric, skus text[])
     ON CONFLICT (id) DO UPDATE SET
       version = EXCLUDED.version, searchable = true, slug = EXCLUDED.slug, name = EXCLUDED.name,
       brand = EXCLUDED.brand, category = EXCLUDED.category, description = EXCLUDED.description,
       currency = EXCLUDED.currency, price = EXCLUDED.price, skus = EXCLUDED.skus,
       in_stock = EXCLUDED.in_stock, written_seq = EXCLUDED.written_seq
     WHERE p.version ${guard} EXCLUDED.version`,
    [JSON.stringify(rows)],
  );
}

// A removed product keeps its row as a tombstone: its version, no content.
const TOMBSTONE = `searchable = false, slug = NULL, name = NULL, brand = NULL, category = NULL, description = NULL,
  currency = NULL, price = NULL, skus = '{}', in_stock = false`;

/**
 * `ProductSearchIndex` on PostgreSQL full-text (schema `search`): a weighted `tsvector` column
 * (name A, description B, brand and category C, word parts of name, brand and category D) with a GIN
 * index; see `searchStatement` for queries.
 * Also the service's event inbox, so an event's index changes and its inbox mark commit together.
 */
export class PostgresProductSearchIndex implements ProductSearchIndex, SearchEventInbox {
  readonly #db: SqlDatabase;
  /** Set when this instance works inside a caller's transaction (an inbox handler). */
  readonly #tx: SqlExecutor | undefined;

  constructor(db: SqlDatabase, tx?: SqlExecutor) {
    this.#db = db;
    this.#tx = tx;
  }

  /**
   * Runs a write (each is one statement) under the index write lock, in the caller's transaction or
   * one of its own. On PGlite, one connection, no other statement runs meanwhile: neither the lock nor
   * a transaction around the one statement is needed.
   */
  async #write<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    if (this.#db.engine === 'pglite') return work(this.#tx ?? this.#db);
    const run = async (tx: SqlExecutor) => {
      await tx.query(INDEX_WRITE_LOCK);
      return work(tx);
    };
    return this.#tx ? run(this.#tx) : this.#db.transaction(run);
  }

  async upsert(doc: SearchDocument): Promise<boolean> {
    return (await this.#write((tx) => writeDocuments(tx, [doc], '<'))) > 0;
  }

  async remove(id: string, version: number): Promise<boolean> {
    const changed = await this.#write((tx) =>
      tx.execute(
        `INSERT INTO search.products AS p (id, version, searchable, written_seq)
         VALUES ($1, $2, false, nextval('search.write_seq'))
         ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, written_seq = EXCLUDED.written_seq, ${TOMBSTONE}
         WHERE p.version <= EXCLUDED.version`,
        [id, version],
      ),
    );
    return changed > 0;
  }

  async setStock(sku: string, available: number, version?: number): Promise<void> {
    // One statement: the stock level, and the products listing the SKU whose `inStock` it flips (the
    // UPDATE reads the table as it was before the statement: the SKU's own new level comes from `applied`).
    await this.#write((tx) =>
      tx.execute(
        `WITH applied AS (
             INSERT INTO search.sku_stock (sku, available, version) VALUES ($1, $2, $3)
             ON CONFLICT (sku) DO UPDATE SET available = EXCLUDED.available, version = EXCLUDED.version
             WHERE EXCLUDED.version IS NULL OR search.sku_stock.version IS NULL OR search.sku_stock.version < EXCLUDED.version
             RETURNING available)
           UPDATE search.products p SET in_stock = NOT p.in_stock FROM applied a
            WHERE p.skus @> ARRAY[$1]::text[] AND p.searchable
              AND p.in_stock <> (a.available > 0 OR ${IN_STOCK_OTHER('p.skus', '$1')})`,
        [sku, available, version ?? null],
      ),
    );
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    // One statement: one snapshot for total, hits, facets and histogram.
    if (this.#tx) return searchProducts(this.#tx, query);
    return searchProducts(this.#db, query, (work) => this.#db.transaction(work));
  }

  async count(): Promise<number> {
    const [row] = await (this.#tx ?? this.#db).query<{ n: number }>(
      'SELECT count(*) AS n FROM search.products WHERE searchable',
    );
    return row?.n ?? 0;
  }

  async startRebuild(): Promise<IndexRebuild> {
    const [row] = await (this.#tx ?? this.#db).query<{ mark: number }>(
      `SELECT nextval('search.write_seq') AS mark`,
    );
    const mark = row!.mark;
    return {
      add: async (docs) => {
        await this.#write((tx) => writeDocuments(tx, docs, '<='));
      },
      commit: async () => {
        const removed = await this.#write((tx) =>
          tx.execute(`UPDATE search.products SET ${TOMBSTONE} WHERE searchable AND written_seq < $1`, [mark]),
        );
        return { removed };
      },
    };
  }

  async handleOnce(
    consumer: string,
    event: EventEnvelope,
    work: (index: ProductSearchIndex) => Promise<void>,
  ): Promise<boolean> {
    return handleOnce(this.#db, SEARCH_SCHEMA, consumer, event, (tx) =>
      work(new PostgresProductSearchIndex(this.#db, tx)),
    );
  }
}
