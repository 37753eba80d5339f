import type { MigrationRecord } from '@polyshop/migration';
import type { Category } from '../../domain/category.ts';
import { toProductDocument, type Product } from '../../domain/product.ts';

/**
 * The catalogue's record kinds for the migration engine, in copy order: categories first, because a
 * product names its category (PostgreSQL enforces it with a foreign key).
 */
export const CATALOG_KINDS = ['categories', 'products'] as const;
export type CatalogKind = (typeof CATALOG_KINDS)[number];

export function catalogKind(kind: string): CatalogKind {
  if (kind === 'categories' || kind === 'products') return kind;
  throw new Error(`the catalogue has no record kind ${kind}`);
}

export const categoryRecord = (category: Category): MigrationRecord => ({
  key: category.slug,
  version: category.version,
  body: category,
});

export const productRecordOf = (product: Product): MigrationRecord => ({
  key: product.id,
  version: product.version,
  body: product,
});

/**
 * A catalogue record as plain JSON, the same from either store: a product as its document (prices
 * as decimal strings, timestamps as ISO strings), a category with ISO timestamps. Lists keep their
 * order (variants and attribute definitions are ordered by the merchant).
 */
export function canonicalCatalogRecord(kind: string, body: unknown): unknown {
  if (catalogKind(kind) === 'products') return toProductDocument(body as Product);
  const category = body as Category;
  return {
    ...category,
    createdAt: category.createdAt.toISOString(),
    updatedAt: category.updatedAt.toISOString(),
  };
}
