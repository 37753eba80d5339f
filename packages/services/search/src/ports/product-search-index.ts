import type { EventEnvelope } from '@polyshop/kernel';
import type { SearchDocument } from '../domain/search-document.ts';
import type { SearchQuery, SearchResult } from '../domain/search-query.ts';

/**
 * The search service's product index: the only store search reads. Fed by product and inventory
 * events (or rebuilt from the catalog), queried by `search`. Implemented on PostgreSQL full-text
 * (Phase 1) and OpenSearch; both pass `productSearchIndexContract`.
 *
 * Versions: every product write carries the catalog's `version`. The index keeps, per product, the
 * highest version it has applied, removed products included, so an event delivered late (older
 * than what the index holds) changes nothing.
 *
 * Stock: the index keeps what it last heard of each SKU's available quantity, independently of the
 * products (a SKU's stock may be known before its product). A product is in stock when any SKU in
 * its document has available > 0.
 */
export interface ProductSearchIndex {
  /**
   * Adds or replaces a searchable product. Applied only when `doc.version` is newer than the version
   * the index holds for that id (a live product or a removed one); returns false when it was not.
   */
  upsert(doc: SearchDocument): Promise<boolean>;

  /**
   * Takes a product out of search results (archived, back to draft, deleted), remembering `version`.
   * Applied when `version` is at least the version held (a removal wins a tie); returns false when
   * the index already holds a newer version.
   */
  remove(id: string, version: number): Promise<boolean>;

  /**
   * Records a SKU's available quantity; the products listing that SKU follow at once. With a
   * `version` (the SKU's stock version), a version not newer than the one held changes nothing, so
   * a late or redelivered stock event cannot bring back an old stock level.
   */
  setStock(sku: string, available: number, version?: number): Promise<void>;

  /** Runs a validated search: hits of one page, exact total, facets and histogram over every match. */
  search(query: SearchQuery): Promise<SearchResult>;

  /** Searchable products in the index. */
  count(): Promise<number>;

  /**
   * Starts rebuilding the index from the catalog while it keeps serving searches and events. See
   * `IndexRebuild`. Stock knowledge is kept.
   */
  startRebuild(): Promise<IndexRebuild>;
}

/**
 * One rebuild of the index from the catalog: `add` each page of active products, then `commit`.
 * Searches keep answering throughout (products are replaced in place, nothing disappears first),
 * and events keep being applied; a write from an event made during the rebuild is never undone.
 */
export interface IndexRebuild {
  /**
   * Adds a page of catalog documents (a bulk write). A document replaces what the index holds at the
   * same or an older version (so the rebuild also repairs a drifted copy); a newer one, written by an
   * event since the catalog page was read, is kept.
   */
  add(docs: readonly SearchDocument[]): Promise<void>;
  /**
   * Finishes: removes the searchable products that neither this rebuild added nor an event wrote
   * since it started (gone from the catalog). Resolves to how many were removed.
   */
  commit(): Promise<{ removed: number }>;
}

/**
 * Runs an event's index changes at most once per consumer: the event is marked handled together
 * with the changes (atomically where the store can, else the changes are idempotent by version).
 */
export interface SearchEventInbox {
  /** Calls `work` with the index to change unless `consumer` already handled `event`; false when it had. */
  handleOnce(
    consumer: string,
    event: EventEnvelope,
    work: (index: ProductSearchIndex) => Promise<void>,
  ): Promise<boolean>;
}
