import type { Client } from '@opensearch-project/opensearch';
import type { SearchDocument } from '../../domain/search-document.ts';
import { scaledPrice, type SearchIndexNames, type StoredProduct } from './opensearch-mapping.ts';

/** A stored product with what a conditional write needs (`if_seq_no` / `if_primary_term`). */
interface Held {
  source: StoredProduct;
  seqNo: number;
  primaryTerm: number;
}

interface Write {
  id: string;
  source: StoredProduct;
  /** Absent: the document must not exist yet (`create`). */
  held: Held | undefined;
}

interface BulkItem {
  _id: string;
  status: number;
  error?: { type?: string; reason?: string };
}

/** Which held versions a new document may replace: a newer one only (events), or also the same (rebuilds). */
export type VersionGuard = '<' | '<=';

// Conditional writes retry on conflict; this many rounds means something keeps writing the same products.
const MAX_ROUNDS = 100;

const LINK_SKU = `if (ctx._source.products == null) { ctx._source.products = [params.id] }
  else if (ctx._source.products.contains(params.id)) { ctx.op = 'noop' }
  else { ctx._source.products.add(params.id) }`;

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

function isInStock(skus: readonly string[], stock: ReadonlyMap<string, number>): boolean {
  return skus.some((sku) => (stock.get(sku) ?? 0) > 0);
}

function stored(doc: SearchDocument, inStock: boolean): StoredProduct {
  return {
    id: doc.id,
    version: doc.version,
    searchable: true,
    slug: doc.slug,
    name: doc.name,
    brand: doc.brand,
    category: doc.category,
    description: doc.description,
    currency: doc.currency,
    price: doc.price,
    price_scaled: scaledPrice(doc.price).toFixed(),
    skus: doc.skus,
    in_stock: inStock,
  };
}

function tombstone(id: string, version: number): StoredProduct {
  return { id, version, searchable: false, skus: [], in_stock: false };
}

/**
 * The products and SKU-stock indexes, written without locks: every product write is conditional
 * (`if_seq_no`, re-read and retried on conflict), and `in_stock` is kept right by a check after
 * every write that sets it. A product writer links the product to its SKUs, writes, then re-reads
 * the stock; a stock writer writes the stock, then re-reads each product linked to the SKU. Both
 * reads are real-time gets, so whichever of two racing writers comes second sees the other's write
 * and settles `in_stock`.
 *
 * Writes do not refresh the index: `visible()` refreshes it before a read when this instance wrote
 * since its last refresh (what a search in the process that applied an event needs); writes from
 * other processes show within the index's refresh interval.
 */
export class OpenSearchProductDocuments {
  readonly #client: Client;
  readonly #names: SearchIndexNames;
  #dirty = false;
  #refreshing: Promise<void> | undefined;

  constructor(client: Client, names: SearchIndexNames) {
    this.#client = client;
    this.#names = names;
  }

  /** Makes every product write of this instance so far visible to searches. */
  async visible(): Promise<void> {
    if (!this.#dirty) return this.#refreshing;
    this.#dirty = false;
    const refreshing = this.#client.indices.refresh({ index: this.#names.products }).then(
      () => undefined,
      (error: unknown) => {
        this.#dirty = true;
        throw error;
      },
    );
    this.#refreshing = refreshing;
    try {
      await refreshing;
    } finally {
      if (this.#refreshing === refreshing) this.#refreshing = undefined;
    }
  }

  /**
   * Writes the documents whose id holds an older version (or the same, with `'<='`), or none at
   * all, tombstones included. Returns the ids written.
   */
  async writeDocuments(docs: readonly SearchDocument[], guard: VersionGuard): Promise<string[]> {
    const newest = new Map<string, SearchDocument>();
    for (const doc of docs) {
      const held = newest.get(doc.id);
      if (!held || held.version < doc.version) newest.set(doc.id, doc);
    }
    if (newest.size === 0) return [];
    await this.#linkSkus([...newest.values()]);
    const stock = await this.#stockOf([...newest.values()].flatMap((doc) => doc.skus));
    const written = await this.#writeEach([...newest.keys()], (id, held) => {
      const doc = newest.get(id)!;
      const applies = !held || (guard === '<' ? held.version < doc.version : held.version <= doc.version);
      return applies ? stored(doc, isInStock(doc.skus, stock)) : undefined;
    });
    // Settled whether written or not: a write that failed half-way and is retried is settled then.
    await this.#settleStock([...newest.keys()]);
    return written;
  }

  /** Leaves a tombstone at `version` unless the index holds a newer version. True when written. */
  async remove(id: string, version: number): Promise<boolean> {
    const written = await this.#writeEach([id], (_, held) =>
      !held || held.version <= version ? tombstone(id, version) : undefined,
    );
    return written.length > 0;
  }

  /** Records a SKU's available units and settles `in_stock` of the products linked to it. */
  async setStock(sku: string, available: number, version?: number): Promise<void> {
    const { body } = await this.#client.update({
      index: this.#names.skuStock,
      id: sku,
      retry_on_conflict: 10,
      _source: ['products'],
      body: {
        script: {
          // An older stock version (a late or redelivered event) changes nothing.
          source:
            'if (params.version != null && ctx._source.stock_version != null && ctx._source.stock_version >= params.version) { ctx.op = "noop" } ' +
            'else { ctx._source.available = params.available; ctx._source.stock_version = params.version }',
          params: { available, version: version ?? null },
        },
        upsert: { available, stock_version: version ?? null, products: [] },
      },
    });
    const products = (body as { get?: { _source?: { products?: string[] } } }).get?._source?.products ?? [];
    await this.#settleStock(products);
  }

  /**
   * Sets `in_stock` of these products to what the SKU stock says now, re-reading after each write
   * until it holds (a stock or product write racing this one is then seen).
   */
  async #settleStock(ids: readonly string[]): Promise<void> {
    let pending = unique(ids);
    for (let round = 0; pending.length > 0; round++) {
      if (round === MAX_ROUNDS)
        throw new Error(`OpenSearch: in_stock of ${pending.length} products kept changing`);
      const held = [...(await this.#getMany(pending)).values()].filter((h) => h.source.searchable);
      const stock = await this.#stockOf(held.flatMap((h) => h.source.skus));
      const writes: Write[] = held
        .filter((h) => h.source.in_stock !== isInStock(h.source.skus, stock))
        .map((h) => ({ id: h.source.id, held: h, source: { ...h.source, in_stock: !h.source.in_stock } }));
      const { written, conflicts } = await this.#bulkWrite(writes);
      pending = [...written, ...conflicts];
    }
  }

  /**
   * For each id, reads what is held and writes what `decide` returns (nothing when it returns
   * undefined), conditionally on the held copy; on a conflict, reads again and decides again.
   */
  async #writeEach(
    ids: string[],
    decide: (id: string, held: StoredProduct | undefined) => StoredProduct | undefined,
  ): Promise<string[]> {
    const done: string[] = [];
    let pending = ids;
    for (let round = 0; pending.length > 0; round++) {
      if (round === MAX_ROUNDS)
        throw new Error(`OpenSearch: ${pending.length} products kept changing while written`);
      const held = await this.#getMany(pending);
      const writes: Write[] = [];
      for (const id of pending) {
        const source = decide(id, held.get(id)?.source);
        if (source) writes.push({ id, source, held: held.get(id) });
      }
      const { written, conflicts } = await this.#bulkWrite(writes);
      done.push(...written);
      pending = conflicts;
    }
    return done;
  }

  async #bulkWrite(writes: readonly Write[]): Promise<{ written: string[]; conflicts: string[] }> {
    if (writes.length === 0) return { written: [], conflicts: [] };
    const operations = writes.flatMap(({ id, source, held }) => [
      held
        ? {
            index: {
              _index: this.#names.products,
              _id: id,
              if_seq_no: held.seqNo,
              if_primary_term: held.primaryTerm,
            },
          }
        : { create: { _index: this.#names.products, _id: id } },
      source,
    ]);
    let body: unknown;
    try {
      ({ body } = await this.#client.bulk({ body: operations }));
    } finally {
      // Set once the write has landed: a refresh that started before it must not clear the flag.
      this.#dirty = true;
    }
    const written: string[] = [];
    const conflicts: string[] = [];
    for (const entry of (body as { items: Record<string, BulkItem>[] }).items) {
      const item = Object.values(entry)[0]!;
      if (item.status === 409) conflicts.push(item._id);
      else if (item.error)
        throw new Error(
          `OpenSearch: writing product ${item._id} failed: ${item.error.type}: ${item.error.reason}`,
        );
      else written.push(item._id);
    }
    return { written, conflicts };
  }

  async #getMany(ids: readonly string[]): Promise<Map<string, Held>> {
    const held = new Map<string, Held>();
    if (ids.length === 0) return held;
    const { body } = await this.#client.mget({ index: this.#names.products, body: { ids: unique(ids) } });
    for (const doc of (
      body as {
        docs: {
          _id: string;
          found?: boolean;
          _source?: StoredProduct;
          _seq_no?: number;
          _primary_term?: number;
        }[];
      }
    ).docs) {
      if (doc.found)
        held.set(doc._id, { source: doc._source!, seqNo: doc._seq_no!, primaryTerm: doc._primary_term! });
    }
    return held;
  }

  /** Available units per SKU (0 when never heard of). */
  async #stockOf(skus: readonly string[]): Promise<Map<string, number>> {
    const stock = new Map<string, number>();
    if (skus.length === 0) return stock;
    const { body } = await this.#client.mget({ index: this.#names.skuStock, body: { ids: unique(skus) } });
    for (const doc of (
      body as { docs: { _id: string; found?: boolean; _source?: { available?: number | null } }[] }
    ).docs) {
      if (doc.found) stock.set(doc._id, doc._source?.available ?? 0);
    }
    return stock;
  }

  /**
   * Lists each product on its SKUs' stock documents (so a stock change finds them), before the
   * product is written. Links are only added: a product that has since dropped the SKU is merely
   * re-read and left as it is when that SKU's stock changes.
   */
  async #linkSkus(docs: readonly SearchDocument[]): Promise<void> {
    const operations = docs.flatMap((doc) =>
      doc.skus.flatMap((sku) => [
        { update: { _index: this.#names.skuStock, _id: sku, retry_on_conflict: 10 } },
        { script: { source: LINK_SKU, params: { id: doc.id } }, upsert: { products: [doc.id] } },
      ]),
    );
    if (operations.length === 0) return;
    const { body } = await this.#client.bulk({ body: operations });
    if ((body as { errors: boolean }).errors) {
      const failed = (body as { items: Record<string, BulkItem>[] }).items
        .map((entry) => Object.values(entry)[0]!)
        .find((item) => item.error);
      throw new Error(
        `OpenSearch: linking SKU ${failed?._id} failed: ${failed?.error?.type}: ${failed?.error?.reason}`,
      );
    }
  }
}
