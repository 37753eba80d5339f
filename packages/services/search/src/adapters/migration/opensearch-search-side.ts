import type { Client } from '@opensearch-project/opensearch';
import {
  recordsByKey,
  type MigrationRecord,
  type MigrationSide,
  type UpsertOptions,
  type ViewComparison,
} from '@polyshop/migration';
import type { SearchDocument } from '../../domain/search-document.ts';
import type { SearchQuery, SearchResult } from '../../domain/search-query.ts';
import {
  ensureSearchIndexes,
  type SearchIndexNames,
  type StoredProduct,
} from '../opensearch/opensearch-mapping.ts';
import { OpenSearchProductDocuments } from '../opensearch/opensearch-product-documents.ts';
import { searchProducts } from '../opensearch/opensearch-product-search.ts';
import {
  canonicalSearchRecord,
  productRecord,
  replaces,
  SEARCH_KINDS,
  searchKind,
  stockRecord,
  upsertStockLevels,
  type IndexedProduct,
} from './search-migration-kinds.ts';
import { compareSampleQueries, type SearchSampleSide } from './search-query-sample.ts';

/** A SKU's stock document (its `products` are the links a stock change follows). */
interface StoredStock {
  available?: number | null;
  stock_version?: number | null;
  products?: string[];
}

interface Got<T> {
  _id: string;
  found?: boolean;
  _source?: T;
}

function productOf(source: StoredProduct): IndexedProduct {
  if (!source.searchable)
    return { id: source.id, version: source.version, searchable: false, inStock: false };
  const document: SearchDocument = {
    id: source.id,
    slug: source.slug!,
    name: source.name!,
    brand: source.brand ?? null,
    category: source.category!,
    description: source.description ?? '',
    currency: source.currency!,
    price: source.price!,
    skus: source.skus,
    version: source.version,
  };
  return { id: source.id, version: source.version, searchable: true, document, inStock: source.in_stock };
}

/** A SKU document holds a stock level once a level was heard (a product may have linked it before). */
const hasLevel = (source: StoredStock | undefined): source is StoredStock & { available: number } =>
  typeof source?.available === 'number';

/**
 * The search index in OpenSearch (`<prefix>-products`, `<prefix>-sku-stock`) as the migration engine
 * reads and writes it: products (tombstones included, with their versions) by `id` and stock levels by
 * SKU (`_id`), both in code-point order (keyword order is UTF-8 byte order); bodies are read with
 * real-time gets. Writes by version go through the index's own conditional writes
 * (`OpenSearchProductDocuments`), so SKU links and `in_stock` are kept as the index keeps them; the
 * event inbox is not touched. A SKU document that only links products (no level heard) is no record.
 */
export class OpenSearchSearchSide implements MigrationSide, SearchSampleSide {
  readonly store = 'opensearch';
  readonly kinds = SEARCH_KINDS;
  readonly #client: Client;
  readonly #names: SearchIndexNames;
  readonly #documents: OpenSearchProductDocuments;

  constructor(client: Client, names: SearchIndexNames) {
    this.#client = client;
    this.#names = names;
    this.#documents = new OpenSearchProductDocuments(client, names);
  }

  /** The side over the index set under `prefix`, creating the indexes when missing. */
  static async open(client: Client, prefix: string): Promise<OpenSearchSearchSide> {
    return new OpenSearchSearchSide(client, await ensureSearchIndexes(client, prefix));
  }

  async scan(kind: string, after: string | undefined, limit: number): Promise<MigrationRecord[]> {
    const ids = await this.#keys(kind, after, limit, 'asc');
    return this.read(kind, ids);
  }

  async lastKey(kind: string): Promise<string | undefined> {
    return (await this.#keys(kind, undefined, 1, 'desc'))[0];
  }

  /** Keys of `kind` in key order, after `after` (a search: the indexes are refreshed first). */
  async #keys(
    kind: string,
    after: string | undefined,
    size: number,
    order: 'asc' | 'desc',
  ): Promise<string[]> {
    const stock = searchKind(kind) === 'stock';
    const index = stock ? this.#names.skuStock : this.#names.products;
    await this.#client.indices.refresh({ index });
    const { body } = await this.#client.search({
      index,
      body: {
        size,
        _source: false,
        query: stock ? { exists: { field: 'available' } } : { match_all: {} },
        sort: [stock ? { _id: order } : { id: order }],
        ...(after === undefined ? {} : { search_after: [after] }),
      },
    });
    return (body as unknown as { hits: { hits: { _id: string }[] } }).hits.hits.map((hit) => hit._id);
  }

  async read(kind: string, keys: readonly string[]): Promise<MigrationRecord[]> {
    if (keys.length === 0) return [];
    if (searchKind(kind) === 'stock') {
      const docs = await this.#get<StoredStock>(this.#names.skuStock, keys);
      return docs.flatMap((doc) =>
        hasLevel(doc._source)
          ? [
              stockRecord({
                sku: doc._id,
                available: doc._source.available,
                version: doc._source.stock_version ?? null,
              }),
            ]
          : [],
      );
    }
    const docs = await this.#get<StoredProduct>(this.#names.products, keys);
    return docs.flatMap((doc) => (doc.found && doc._source ? [productRecord(productOf(doc._source))] : []));
  }

  async #get<T>(index: string, keys: readonly string[]): Promise<Got<T>[]> {
    const { body } = await this.#client.mget({ index, body: { ids: [...new Set(keys)] } });
    return (body as unknown as { docs: Got<T>[] }).docs.filter((doc) => doc.found);
  }

  async upsertIfNewer(
    kind: string,
    records: readonly MigrationRecord[],
    options: UpsertOptions = {},
  ): Promise<string[]> {
    if (records.length === 0) return [];
    const held = recordsByKey(
      await this.read(
        kind,
        records.map((record) => record.key),
      ),
    );
    if (searchKind(kind) === 'stock') {
      return upsertStockLevels(records, held, options, async (stock, heldBefore) => {
        // a forced copy first forgets the held version (the level's own guard would keep a newer one)
        if (heldBefore) await this.#forgetStockVersion(stock.sku);
        await this.#documents.setStock(stock.sku, stock.available, stock.version ?? undefined);
      });
    }
    const fresh = records.filter((record) => replaces(record, held.get(record.key)?.version, options.force));
    if (options.force) {
      const replaced = fresh.filter((record) => held.has(record.key));
      if (replaced.length > 0) {
        await this.#client.bulk({
          body: replaced.map((record) => ({ delete: { _index: this.#names.products, _id: record.key } })),
        });
      }
    }
    const documents = fresh.flatMap((record) => {
      const product = record.body as IndexedProduct;
      return product.searchable && product.document ? [product.document] : [];
    });
    await this.#documents.writeDocuments(documents, '<');
    for (const record of fresh) {
      const product = record.body as IndexedProduct;
      if (!product.searchable || !product.document) await this.#documents.remove(product.id, product.version);
    }
    return fresh.map((record) => record.key);
  }

  async #forgetStockVersion(sku: string): Promise<void> {
    await this.#client.update({
      index: this.#names.skuStock,
      id: sku,
      retry_on_conflict: 10,
      body: { script: { source: 'ctx._source.stock_version = null' } },
    });
  }

  async remove(kind: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    if (searchKind(kind) === 'products') {
      await this.#client.bulk({
        body: keys.map((key) => ({ delete: { _index: this.#names.products, _id: key } })),
        refresh: true,
      });
      return;
    }
    for (const sku of keys) {
      // the level goes (no level is 0 units for `in_stock`); the SKU's product links stay
      await this.#forgetStockVersion(sku);
      await this.#documents.setStock(sku, 0);
      await this.#client.update({
        index: this.#names.skuStock,
        id: sku,
        retry_on_conflict: 10,
        refresh: true,
        body: {
          script: { source: "ctx._source.remove('available'); ctx._source.remove('stock_version')" },
        },
      });
    }
  }

  async count(kind: string): Promise<number> {
    const stock = searchKind(kind) === 'stock';
    const index = stock ? this.#names.skuStock : this.#names.products;
    await this.#client.indices.refresh({ index });
    const { body } = await this.#client.count({
      index,
      body: { query: stock ? { exists: { field: 'available' } } : { match_all: {} } },
    });
    return body.count;
  }

  canonical(kind: string, body: unknown): unknown {
    return canonicalSearchRecord(kind, body);
  }

  async drop(): Promise<void> {
    for (const index of [this.#names.products, this.#names.skuStock, this.#names.inbox]) {
      await this.#client.indices.refresh({ index });
      await this.#client.deleteByQuery({
        index,
        conflicts: 'proceed',
        refresh: true,
        body: { query: { match_all: {} } },
      });
    }
  }

  /** Makes every product write so far (this side's copies included) visible to searches. */
  async visible(): Promise<void> {
    await this.#client.indices.refresh({ index: this.#names.products });
  }

  /** Runs a search as users run it, on what every process wrote so far (the query sample of verify). */
  async search(query: SearchQuery): Promise<SearchResult> {
    await this.#client.indices.refresh({ index: this.#names.products });
    return searchProducts(this.#client, this.#names.products, query);
  }

  /** The query sample run here and on `other` (see `compareSampleQueries`). */
  compareViews(other: MigrationSide): Promise<ViewComparison> {
    return compareSampleQueries(this, other);
  }
}
