import { AppError, type EventEnvelope } from '@polyshop/kernel';
import type { MovableStore, MovableStores } from '@polyshop/migration';
import type { SearchDocument } from '../../domain/search-document.ts';
import type { SearchQuery, SearchResult } from '../../domain/search-query.ts';
import type { IndexRebuild, ProductSearchIndex, SearchEventInbox } from '../../ports/product-search-index.ts';
import type { SearchKind } from './search-migration-kinds.ts';

/** One store of the search index, open: the index (and its event inbox) and its migration side. */
export interface SearchStoreHandle extends MovableStore {
  index: ProductSearchIndex & SearchEventInbox;
  /**
   * Makes writes made through `side` visible to `index.search` (OpenSearch: a refresh; its index
   * refreshes after its own writes only). Absent when they are at once (PostgreSQL).
   */
  visible?(): Promise<void>;
}

/** The keys a write touched, per kind (what the mirror copies after it). */
class Touched {
  readonly #keys = new Map<SearchKind, Set<string>>();

  add(kind: SearchKind, key: string): void {
    const keys = this.#keys.get(kind) ?? new Set<string>();
    keys.add(key);
    this.#keys.set(kind, keys);
  }

  /** In copy order: stock first, so a product copied after it gets its `inStock` from it. */
  entries(): [string, string[]][] {
    return (['stock', 'products'] as const).flatMap((kind): [string, string[]][] => {
      const keys = this.#keys.get(kind);
      return keys ? [[kind, [...keys]]] : [];
    });
  }
}

/** `index`, recording the keys each write touches. */
function recording(index: ProductSearchIndex, touched: Touched): ProductSearchIndex {
  return {
    upsert: (doc) => (touched.add('products', doc.id), index.upsert(doc)),
    remove: (id, version) => (touched.add('products', id), index.remove(id, version)),
    setStock: (sku, available, version) => (
      touched.add('stock', sku),
      index.setStock(sku, available, version)
    ),
    search: (query) => index.search(query),
    count: () => index.count(),
    startRebuild: () => index.startRebuild(),
  };
}

/** `index` and its inbox, recording the keys each write touches (an event's changes included). */
function recordingInbox(
  index: ProductSearchIndex & SearchEventInbox,
  touched: Touched,
): ProductSearchIndex & SearchEventInbox {
  return {
    ...recording(index, touched),
    handleOnce: (consumer, event, work) =>
      index.handleOnce(consumer, event, (changed) => work(recording(changed, touched))),
  };
}

/**
 * The search index while it moves between stores: each write — an event's changes, or a direct
 * upsert, removal or stock level — goes to the phase's source of truth and is then copied by key to
 * the other store (`MovableStores.write`: failures to the repair log); searches go where the phase
 * says. An event is deduplicated by the source of truth's inbox only, together with its changes
 * there, so it is applied once; the copy to the other store writes by version and records no event.
 * (Across a write switch the new primary's inbox has not seen the old one's events: a redelivered
 * event is applied again there, which changes nothing — product and versioned stock writes are
 * guarded by version.)
 */
export class RoutedSearchIndex implements ProductSearchIndex, SearchEventInbox {
  readonly #stores: Pick<MovableStores<SearchStoreHandle>, 'write' | 'reader' | 'routing' | 'store'>;
  /** Stores that received copies not yet made visible to searches. */
  readonly #copiedTo = new Set<SearchStoreHandle>();

  constructor(stores: Pick<MovableStores<SearchStoreHandle>, 'write' | 'reader' | 'routing' | 'store'>) {
    this.#stores = stores;
  }

  upsert(doc: SearchDocument): Promise<boolean> {
    return this.#write((index) => index.upsert(doc));
  }

  remove(id: string, version: number): Promise<boolean> {
    return this.#write((index) => index.remove(id, version));
  }

  setStock(sku: string, available: number, version?: number): Promise<void> {
    return this.#write((index) => index.setStock(sku, available, version));
  }

  /**
   * Searches where the phase reads. When that store received copies since the last search here (it
   * is the mirror: `read-switch`), they are made visible first, so a change this process applied is
   * found by its next search, as without a migration.
   */
  async search(query: SearchQuery): Promise<SearchResult> {
    const reader = this.#stores.reader();
    if (this.#copiedTo.delete(reader)) await reader.visible?.();
    return reader.index.search(query);
  }

  count(): Promise<number> {
    return this.#stores.reader().index.count();
  }

  /**
   * A rebuild runs on the store the service is on; during a store migration it is refused (409
   * `SEARCH.MIGRATION_IN_PROGRESS`): the migration's backfill is the reindex of the new store, and a
   * rebuild's final removals could not be copied to the other store by key.
   */
  startRebuild(): Promise<IndexRebuild> {
    const routing = this.#stores.routing();
    if (routing.mirror) {
      return Promise.reject(
        AppError.conflict(
          'SEARCH.MIGRATION_IN_PROGRESS',
          `search is moving from ${routing.fromStore} to ${routing.toStore} (${routing.phase}): reindex once the move has finished or been rolled back.`,
        ),
      );
    }
    return this.#stores.reader().index.startRebuild();
  }

  handleOnce(
    consumer: string,
    event: EventEnvelope,
    work: (index: ProductSearchIndex) => Promise<void>,
  ): Promise<boolean> {
    return this.#write((index) => index.handleOnce(consumer, event, work));
  }

  #write<T>(work: (index: ProductSearchIndex & SearchEventInbox) => Promise<T>): Promise<T> {
    return this.#stores.write(async (primary, routing) => {
      const touched = new Touched();
      const result = await work(recordingInbox(primary.index, touched));
      const entries = touched.entries();
      if (routing.mirror && entries.length > 0) {
        this.#copiedTo.add(
          this.#stores.store(routing.mirror === 'from' ? routing.fromStore : routing.toStore),
        );
      }
      return { result, touched: entries };
    });
  }
}
