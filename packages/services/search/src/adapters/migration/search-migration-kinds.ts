import { Decimal } from '@polyshop/kernel';
import type { MigrationRecord, UpsertOptions } from '@polyshop/migration';
import type { SearchDocument } from '../../domain/search-document.ts';
import { withoutMarks } from '../postgres/postgres-highlight.ts';

/**
 * The search index's record kinds for the migration engine, in copy order: the stock levels first,
 * so that a product copied after them gets its `inStock` from the stock already there.
 */
export const SEARCH_KINDS = ['stock', 'products'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

export function searchKind(kind: string): SearchKind {
  if (kind === 'stock' || kind === 'products') return kind;
  throw new Error(`the search index has no record kind ${kind}`);
}

/**
 * A product as the index holds it: searchable with its document, or a tombstone (a removed product's
 * version, so that an older event cannot bring it back). `inStock` is derived by each store from its
 * stock levels and the document's SKUs; it is compared (users see it) but never copied.
 */
export interface IndexedProduct {
  id: string;
  version: number;
  searchable: boolean;
  /** Present when `searchable`. */
  document?: SearchDocument;
  inStock: boolean;
}

/** The last stock level the index heard of for a SKU (`inventory.changed`), with its stock version. */
export interface SkuStockLevel {
  sku: string;
  available: number;
  /** `null` when the event carried none (then any later level replaces it). */
  version: number | null;
}

export const productRecord = (product: IndexedProduct): MigrationRecord => ({
  key: product.id,
  version: product.version,
  body: product,
});

/** A stock level as a record: its version is the stock version, 0 when it has none. */
export const stockRecord = (stock: SkuStockLevel): MigrationRecord => ({
  key: stock.sku,
  version: stock.version ?? 0,
  body: stock,
});

/**
 * A record as plain JSON, the same from either store: prices as normalised decimal strings, names
 * and descriptions as indexed (without highlight marks), SKUs sorted; a tombstone is its id and version.
 */
export function canonicalSearchRecord(kind: string, body: unknown): unknown {
  if (searchKind(kind) === 'stock') {
    const stock = body as SkuStockLevel;
    return { sku: stock.sku, available: stock.available, version: stock.version };
  }
  const product = body as IndexedProduct;
  if (!product.searchable || !product.document) {
    return { id: product.id, version: product.version, searchable: false };
  }
  const doc = product.document;
  return {
    id: product.id,
    version: product.version,
    searchable: true,
    slug: doc.slug,
    name: withoutMarks(doc.name),
    brand: doc.brand,
    category: doc.category,
    description: withoutMarks(doc.description),
    currency: doc.currency,
    price: new Decimal(doc.price).toFixed(),
    skus: [...doc.skus].sort(),
    inStock: product.inStock,
  };
}

/** Whether a record should replace what a side holds at `held` (`force` replaces anyway). */
export function replaces(
  record: MigrationRecord,
  held: number | null | undefined,
  force: boolean | undefined,
): boolean {
  if (force || held === undefined) return true;
  if (held === null) return true;
  return held < record.version;
}

/**
 * The stock half of `upsertIfNewer`, the same on every store: each level of `records` that replaces
 * what the side holds (`held`, by key) by version — a level without a version always, the very same
 * level only when forced — is written by `write` (told whether a level was held, which a forced copy
 * must forget first). Resolves to the keys written.
 */
export async function upsertStockLevels(
  records: readonly MigrationRecord[],
  held: ReadonlyMap<string, MigrationRecord>,
  options: UpsertOptions,
  write: (stock: SkuStockLevel, heldBefore: boolean) => Promise<void>,
): Promise<string[]> {
  const written: string[] = [];
  for (const record of records) {
    const stock = record.body as SkuStockLevel;
    const before = held.get(record.key)?.body as SkuStockLevel | undefined;
    const same = before?.version === stock.version && before.available === stock.available;
    if (same && !options.force) continue;
    if (!replaces(record, before && before.version, options.force || stock.version === null)) continue;
    await write(stock, before !== undefined);
    written.push(record.key);
  }
  return written;
}
