import type { EventBus } from '@polyshop/bus';
import type { EventEnvelope } from '@polyshop/kernel';
import { INVENTORY_CHANGED, PRODUCT_EVENT_TYPES } from '../domain/consumed-events.ts';
import type { ProductSearchIndex } from '../ports/product-search-index.ts';
import { applyInventoryEvent, applyProductEvent } from './apply-catalog-events.ts';
import type { SearchDeps } from './search-deps.ts';

/** Consumer names (durable: the bus and the inbox key on them). */
export const SEARCH_CONSUMERS = { products: 'search.products', inventory: 'search.inventory' } as const;

type Apply = (index: ProductSearchIndex, event: EventEnvelope) => Promise<void>;

/**
 * Subscribes the index to the catalog's and inventory's events, each handled once per consumer
 * (a redelivered event is skipped by the inbox). A handler that throws is retried, then dead-lettered by the bus.
 */
export async function subscribeSearchConsumers(
  deps: Pick<SearchDeps, 'inbox'>,
  bus: EventBus,
): Promise<void> {
  const consume = (consumer: string, types: readonly string[], apply: Apply) =>
    bus.subscribe({
      consumer,
      types: [...types],
      handler: async (event) => {
        await deps.inbox.handleOnce(consumer, event, (index) => apply(index, event));
      },
    });
  await consume(SEARCH_CONSUMERS.products, PRODUCT_EVENT_TYPES, applyProductEvent);
  await consume(SEARCH_CONSUMERS.inventory, [INVENTORY_CHANGED], applyInventoryEvent);
}
