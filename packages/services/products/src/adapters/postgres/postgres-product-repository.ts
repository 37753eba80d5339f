import { fileURLToPath } from 'node:url';
import { AppError, type EventEnvelope } from '@polyshop/kernel';
import {
  appendBatchToOutbox,
  isForeignKeyViolation,
  isUniqueViolation,
  migrate,
  type SqlDatabase,
  type SqlExecutor,
} from '@polyshop/stores';
import { categoryUpdateRefused, type Category } from '../../domain/category.ts';
import type { Product } from '../../domain/product.ts';
import type { ProductSearch } from '../../domain/product-query.ts';
import type { ProductPage, ProductRepository, RenderedProductPage } from '../../ports/product-repository.ts';
import {
  categoryDefinition,
  categoryFromRow,
  PRODUCT_COLUMNS,
  PRODUCT_RECORD_TYPES,
  productFromRow,
  productRecord,
  SCHEMA,
} from './catalog-rows.ts';
import { insertVariants } from './product-variants.ts';
import type { CategoryRow, ProductRow } from './catalog-tables.ts';
import { searchProducts, searchProductsJson } from './postgres-product-search.ts';

const MIGRATIONS = fileURLToPath(new URL('../../../migrations', import.meta.url));

/** Applies the catalog's migrations (schema `catalog`, with its outbox). Safe to run again. */
export async function migrateCatalog(db: SqlDatabase): Promise<void> {
  await migrate(db, { schema: SCHEMA, directory: MIGRATIONS });
}

/**
 * The catalogue on PostgreSQL (PGlite or a server): each product one row holding its JSONB
 * document, plus one `product_variants` row per SKU (catalogue-wide uniqueness, indexed prices).
 * Events go to `catalog.outbox` in the same transaction as the change.
 */
export class PostgresProductRepository implements ProductRepository {
  readonly #db: SqlDatabase;

  constructor(db: SqlDatabase) {
    this.#db = db;
  }

  async createCategory(category: Category): Promise<void> {
    try {
      await this.#db.query(
        `INSERT INTO ${SCHEMA}.categories (slug, name, description, definition, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)`,
        [
          category.slug,
          category.name,
          category.description,
          categoryDefinition(category),
          category.version,
          category.createdAt,
          category.updatedAt,
        ],
      );
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw AppError.conflict('CATEGORY.SLUG_TAKEN', `Category ${category.slug} already exists.`, {
          field: 'slug',
        });
      }
      throw error;
    }
  }

  async findCategory(slug: string): Promise<Category | undefined> {
    const [row] = await this.#db.query<CategoryRow>(`SELECT * FROM ${SCHEMA}.categories WHERE slug = $1`, [
      slug,
    ]);
    return row && categoryFromRow(row);
  }

  async listCategories(): Promise<Category[]> {
    const rows = await this.#db.query<CategoryRow>(
      `SELECT * FROM ${SCHEMA}.categories ORDER BY slug COLLATE "C"`,
    );
    return rows.map(categoryFromRow);
  }

  async updateCategory(category: Category, expectedVersion: number): Promise<void> {
    const updated = await this.#db.execute(
      `UPDATE ${SCHEMA}.categories SET name = $2, description = $3, definition = $4::jsonb, version = $5, updated_at = $6
       WHERE slug = $1 AND version = $7`,
      [
        category.slug,
        category.name,
        category.description,
        categoryDefinition(category),
        category.version,
        category.updatedAt,
        expectedVersion,
      ],
    );
    if (updated === 0) {
      throw categoryUpdateRefused(category.slug, await this.findCategory(category.slug));
    }
  }

  async create(product: Product, events: readonly EventEnvelope[]): Promise<void> {
    await this.createMany([product], events);
  }

  async createMany(products: readonly Product[], events: readonly EventEnvelope[]): Promise<void> {
    if (products.length === 0) return;
    await this.#write(products, async (tx) => {
      await this.#refuseTakenSkus(tx, products);
      await tx.query(
        `INSERT INTO ${SCHEMA}.products (${PRODUCT_COLUMNS})
         SELECT ${PRODUCT_COLUMNS} FROM jsonb_to_recordset($1::jsonb) AS r(${PRODUCT_RECORD_TYPES})`,
        [JSON.stringify(products.map(productRecord))],
      );
      await insertVariants(tx, products);
      await appendBatchToOutbox(tx, SCHEMA, events);
    });
  }

  async findById(id: string): Promise<Product | undefined> {
    const [row] = await this.#db.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM ${SCHEMA}.products WHERE id = $1`,
      [id],
    );
    return row && productFromRow(row);
  }

  async update(product: Product, expectedVersion: number, events: readonly EventEnvelope[]): Promise<void> {
    await this.#write([product], async (tx) => {
      const record = productRecord(product);
      const updated = await tx.execute(
        `UPDATE ${SCHEMA}.products p SET slug = r.slug, name = r.name, category = r.category, brand = r.brand,
           description = r.description, currency = r.currency, base_price = r.base_price, min_price = r.min_price,
           attributes = r.attributes, specifications = r.specifications, variants = r.variants, status = r.status,
           version = r.version, updated_at = r.updated_at
         FROM jsonb_to_record($1::jsonb) AS r(${PRODUCT_RECORD_TYPES})
         WHERE p.id = r.id AND p.version = $2`,
        [JSON.stringify(record), expectedVersion],
      );
      if (updated === 0) {
        const [row] = await tx.query<{ version: number }>(
          `SELECT version FROM ${SCHEMA}.products WHERE id = $1`,
          [product.id],
        );
        if (!row) throw AppError.notFound('PRODUCT.NOT_FOUND', `No product ${product.id}.`);
        throw new AppError(
          'precondition_failed',
          'PRODUCT.VERSION_MISMATCH',
          `Product ${product.id} is at version ${row.version}, not ${expectedVersion}.`,
          {
            field: 'If-Match',
            details: { currentVersion: row.version },
          },
        );
      }
      await this.#refuseTakenSkus(tx, [product]);
      await tx.query(`DELETE FROM ${SCHEMA}.product_variants WHERE product_id = $1`, [product.id]);
      await insertVariants(tx, [product]);
      await appendBatchToOutbox(tx, SCHEMA, events);
    });
  }

  search(search: ProductSearch): Promise<ProductPage> {
    return searchProducts(this.#db, search);
  }

  searchJson(search: ProductSearch): Promise<RenderedProductPage> {
    return searchProductsJson(this.#db, search);
  }

  async findBySkus(skus: readonly string[]): Promise<Product[]> {
    if (skus.length === 0) return [];
    const rows = await this.#db.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM ${SCHEMA}.products
       WHERE id IN (SELECT product_id FROM ${SCHEMA}.product_variants WHERE sku = ANY($1::text[]))`,
      [skus],
    );
    return rows.map(productFromRow);
  }

  async count(): Promise<number> {
    const [row] = await this.#db.query<{ count: number }>(`SELECT count(*) AS count FROM ${SCHEMA}.products`);
    return row!.count;
  }

  /** Runs a product write in a transaction and turns constraint violations into AppErrors. */
  async #write(products: readonly Product[], work: (tx: SqlExecutor) => Promise<void>): Promise<void> {
    try {
      await this.#db.transaction(work);
    } catch (error) {
      if (isUniqueViolation(error, 'products_slug')) {
        const slug = products.length === 1 ? ` ${products[0]!.slug}` : '';
        throw AppError.conflict('PRODUCT.SLUG_TAKEN', `Another product already has the slug${slug}.`, {
          field: 'slug',
        });
      }
      if (isUniqueViolation(error, 'product_variants_pkey')) {
        // a concurrent write took the SKU between our check and our insert
        throw AppError.conflict('PRODUCT.SKU_TAKEN', 'Another product already has one of these SKUs.', {
          field: 'variants',
        });
      }
      if (isUniqueViolation(error, 'products_pkey')) {
        throw AppError.conflict('PRODUCT.ID_TAKEN', 'A product with this id already exists.', {
          field: 'id',
        });
      }
      if (isForeignKeyViolation(error)) {
        throw AppError.invalidInput('PRODUCT.UNKNOWN_CATEGORY', 'The category does not exist.', {
          field: 'category',
        });
      }
      throw error;
    }
  }

  /** Names the first SKU that another product holds (the unique key backs this up under races). */
  async #refuseTakenSkus(tx: SqlExecutor, products: readonly Product[]): Promise<void> {
    const skus = products.flatMap((product) => product.variants.map((variant) => variant.sku));
    const rows = await tx.query<{ sku: string }>(
      `SELECT sku FROM ${SCHEMA}.product_variants WHERE sku = ANY($1::text[]) AND product_id <> ALL($2::uuid[]) LIMIT 1`,
      [skus, products.map((product) => product.id)],
    );
    const taken = rows[0]?.sku;
    if (taken === undefined) return;
    const index =
      products.length === 1 ? products[0]!.variants.findIndex((variant) => variant.sku === taken) : -1;
    throw AppError.conflict('PRODUCT.SKU_TAKEN', `SKU ${taken} belongs to another product.`, {
      field: index >= 0 ? `variants.${index}.sku` : 'variants',
      details: { sku: taken },
    });
  }
}
