import type { Client } from '@opensearch-project/opensearch';
import type { EventEnvelope } from '@polyshop/kernel';
import type { SearchDocument } from '../../domain/search-document.ts';
import type { SearchQuery, SearchResult } from '../../domain/search-query.ts';
import type { IndexRebuild, ProductSearchIndex, SearchEventInbox } from '../../ports/product-search-index.ts';
import { ensureSearchIndexes, type SearchIndexNames } from './opensearch-mapping.ts';
import { OpenSearchProductDocuments } from './opensearch-product-documents.ts';
import { searchProducts, unavailableWhenUnreachable } from './opensearch-product-search.ts';
import { startOpenSearchRebuild } from './opensearch-rebuild.ts';

/**
 * `ProductSearchIndex` on OpenSearch: `<prefix>-products` (English-analyzed text, keyword facets,
 * exact scaled `long` prices, tombstones for removed products), `<prefix>-sku-stock` (last known
 * stock per SKU and the products listing it) and `<prefix>-inbox` (events handled). Queries are the
 * seed's bool query with `terms` and `histogram` aggregations (`searchProducts`); writes are
 * conditional and lock-free (`OpenSearchProductDocuments`); a rebuild works in place
 * (`startOpenSearchRebuild`). Also the service's event inbox.
 */
export class OpenSearchProductSearchIndex implements ProductSearchIndex, SearchEventInbox {
  readonly #client: Client;
  readonly #names: SearchIndexNames;
  readonly #documents: OpenSearchProductDocuments;

  private constructor(client: Client, names: SearchIndexNames) {
    this.#client = client;
    this.#names = names;
    this.#documents = new OpenSearchProductDocuments(client, names);
  }

  /** Opens the index set under `prefix`, creating the indexes and mappings when missing. */
  static async open(client: Client, prefix: string): Promise<OpenSearchProductSearchIndex> {
    return new OpenSearchProductSearchIndex(client, await ensureSearchIndexes(client, prefix));
  }

  async upsert(doc: SearchDocument): Promise<boolean> {
    return (await this.#documents.writeDocuments([doc], '<')).length > 0;
  }

  remove(id: string, version: number): Promise<boolean> {
    return this.#documents.remove(id, version);
  }

  setStock(sku: string, available: number, version?: number): Promise<void> {
    return this.#documents.setStock(sku, available, version);
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    await this.#visible();
    return searchProducts(this.#client, this.#names.products, query);
  }

  async count(): Promise<number> {
    await this.#visible();
    try {
      const { body } = await this.#client.count({
        index: this.#names.products,
        body: { query: { term: { searchable: true } } },
      });
      return body.count;
    } catch (error) {
      throw unavailableWhenUnreachable(error);
    }
  }

  async #visible(): Promise<void> {
    try {
      await this.#documents.visible();
    } catch (error) {
      throw unavailableWhenUnreachable(error);
    }
  }

  startRebuild(): Promise<IndexRebuild> {
    return startOpenSearchRebuild(this.#client, this.#names.products, (docs) =>
      this.#documents.writeDocuments(docs, '<='),
    );
  }

  /**
   * Runs `work`, then records the event as handled. OpenSearch has no transaction spanning both:
   * an event whose work ran but whose mark was lost is run again, which changes nothing (product
   * writes are guarded by version, stock writes set the same value).
   */
  async handleOnce(
    consumer: string,
    event: EventEnvelope,
    work: (index: ProductSearchIndex) => Promise<void>,
  ): Promise<boolean> {
    const id = `${consumer}:${event.id}`;
    const { body: seen } = await this.#client.exists({ index: this.#names.inbox, id });
    if (seen) return false;
    await work(this);
    await this.#client.index(
      {
        index: this.#names.inbox,
        id,
        op_type: 'create',
        body: { consumer, event_id: event.id, handled_at: new Date().toISOString() },
      },
      { ignore: [409] },
    );
    return true;
  }

  /** Reachable and the products index is there (`/readyz`). */
  async ping(): Promise<void> {
    await this.#client.indices.get({ index: this.#names.products });
  }
}
