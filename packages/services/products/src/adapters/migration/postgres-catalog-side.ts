import type { MigrationRecord, MigrationSide, UpsertOptions } from '@polyshop/migration';
import type { SqlDatabase, SqlExecutor } from '@polyshop/stores';
import type { Category } from '../../domain/category.ts';
import type { Product } from '../../domain/product.ts';
import {
  categoryDefinition,
  categoryFromRow,
  PRODUCT_COLUMNS,
  PRODUCT_RECORD_TYPES,
  productFromRow,
  productRecord,
  SCHEMA,
} from '../postgres/catalog-rows.ts';
import { insertVariants } from '../postgres/product-variants.ts';
import { PRODUCTS_TABLE, type CategoryRow, type ProductRow } from '../postgres/catalog-tables.ts';
import {
  CATALOG_KINDS,
  canonicalCatalogRecord,
  catalogKind,
  categoryRecord,
  productRecordOf,
} from './catalog-migration-kinds.ts';

/** Every column but the key and the creation time: what a newer copy of a product replaces. */
const PRODUCT_UPDATES = PRODUCTS_TABLE.columns
  .filter((column) => column !== 'id' && column !== 'created_at')
  .map((column) => `${column} = EXCLUDED.${column}`)
  .join(', ');

/**
 * The catalogue in PostgreSQL (schema `catalog`) as the migration engine reads and writes it: keys in
 * code-point order (`COLLATE "C"` for slugs; uuid order is the order of their text), writes by version
 * without events, and the SKU table and facet counts kept as the repository keeps them (facet counts
 * by the schema's triggers).
 */
export class PostgresCatalogSide implements MigrationSide {
  readonly store = 'postgres';
  readonly kinds = CATALOG_KINDS;
  readonly #db: SqlDatabase;

  constructor(db: SqlDatabase) {
    this.#db = db;
  }

  async scan(kind: string, after: string | undefined, limit: number): Promise<MigrationRecord[]> {
    if (catalogKind(kind) === 'categories') {
      const rows = await this.#db.query<CategoryRow>(
        `SELECT * FROM ${SCHEMA}.categories WHERE $1::text IS NULL OR slug > $1::text COLLATE "C"
         ORDER BY slug COLLATE "C" LIMIT $2`,
        [after ?? null, limit],
      );
      return rows.map((row) => categoryRecord(categoryFromRow(row)));
    }
    const rows = await this.#db.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM ${SCHEMA}.products WHERE $1::uuid IS NULL OR id > $1::uuid ORDER BY id LIMIT $2`,
      [after ?? null, limit],
    );
    return rows.map((row) => productRecordOf(productFromRow(row)));
  }

  async lastKey(kind: string): Promise<string | undefined> {
    const [row] = await this.#db.query<{ key: string }>(
      catalogKind(kind) === 'categories'
        ? `SELECT slug AS key FROM ${SCHEMA}.categories ORDER BY slug COLLATE "C" DESC LIMIT 1`
        : `SELECT id::text AS key FROM ${SCHEMA}.products ORDER BY id DESC LIMIT 1`,
    );
    return row?.key;
  }

  async read(kind: string, keys: readonly string[]): Promise<MigrationRecord[]> {
    if (keys.length === 0) return [];
    if (catalogKind(kind) === 'categories') {
      const rows = await this.#db.query<CategoryRow>(
        `SELECT * FROM ${SCHEMA}.categories WHERE slug = ANY($1::text[])`,
        [keys],
      );
      return rows.map((row) => categoryRecord(categoryFromRow(row)));
    }
    const rows = await this.#db.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM ${SCHEMA}.products WHERE id = ANY($1::uuid[])`,
      [keys],
    );
    return rows.map((row) => productRecordOf(productFromRow(row)));
  }

  async upsertIfNewer(
    kind: string,
    records: readonly MigrationRecord[],
    options: UpsertOptions = {},
  ): Promise<string[]> {
    if (records.length === 0) return [];
    const newer = (table: string) => (options.force ? '' : `WHERE ${table}.version < EXCLUDED.version`);
    if (catalogKind(kind) === 'categories') {
      const rows = await this.#db.query<{ slug: string }>(
        `INSERT INTO ${SCHEMA}.categories (slug, name, description, definition, version, created_at, updated_at)
         SELECT r.slug, r.name, r.description, r.definition, r.version, r.created_at, r.updated_at
         FROM jsonb_to_recordset($1::jsonb) AS r(slug text, name text, description text, definition jsonb,
           version integer, created_at timestamptz, updated_at timestamptz)
         ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
           definition = EXCLUDED.definition, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
         ${newer('categories')}
         RETURNING slug`,
        [
          JSON.stringify(
            records.map(({ body }) => {
              const category = body as Category;
              return {
                slug: category.slug,
                name: category.name,
                description: category.description,
                definition: JSON.parse(categoryDefinition(category)) as unknown,
                version: category.version,
                created_at: category.createdAt.toISOString(),
                updated_at: category.updatedAt.toISOString(),
              };
            }),
          ),
        ],
      );
      return rows.map((row) => row.slug);
    }
    const products = records.map(({ body }) => body as Product);
    return this.#db.transaction(async (tx) => {
      const rows = await tx.query<{ id: string }>(
        `INSERT INTO ${SCHEMA}.products (${PRODUCT_COLUMNS})
         SELECT ${PRODUCT_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS r(${PRODUCT_RECORD_TYPES})
         ON CONFLICT (id) DO UPDATE SET ${PRODUCT_UPDATES} ${newer('products')}
         RETURNING id`,
        [JSON.stringify(products.map(productRecord))],
      );
      const written = new Set(rows.map((row) => row.id));
      await replaceVariants(
        tx,
        products.filter((product) => written.has(product.id)),
      );
      return [...written];
    });
  }

  async remove(kind: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    if (catalogKind(kind) === 'categories') {
      await this.#db.query(`DELETE FROM ${SCHEMA}.categories WHERE slug = ANY($1::text[])`, [keys]);
      return;
    }
    // the SKU rows go with their product (ON DELETE CASCADE); facet counts by trigger
    await this.#db.query(`DELETE FROM ${SCHEMA}.products WHERE id = ANY($1::uuid[])`, [keys]);
  }

  async count(kind: string): Promise<number> {
    const table = catalogKind(kind);
    const [row] = await this.#db.query<{ count: number }>(`SELECT count(*) AS count FROM ${SCHEMA}.${table}`);
    return row!.count;
  }

  canonical(kind: string, body: unknown): unknown {
    return canonicalCatalogRecord(kind, body);
  }

  async drop(): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${SCHEMA}.products`);
      await tx.query(`DELETE FROM ${SCHEMA}.categories`);
    });
  }
}

/** The SKU rows of written products: theirs replaced by the new variants (a SKU held elsewhere fails the write). */
async function replaceVariants(tx: SqlExecutor, products: readonly Product[]): Promise<void> {
  if (products.length === 0) return;
  await tx.query(`DELETE FROM ${SCHEMA}.product_variants WHERE product_id = ANY($1::uuid[])`, [
    products.map((product) => product.id),
  ]);
  await insertVariants(tx, products);
}
