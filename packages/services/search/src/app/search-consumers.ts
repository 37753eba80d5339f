import type { EventBus } from '@polyshop/bus';
import type { EventEnvelope } from '@polyshop/kernel';
import { INVENTORY_CHANGED, PRODUCT_EVENT_TYPES, stockOf } from '../domain/consumed-events.ts';
import type { ProductSearchIndex } from '../ports/product-search-index.ts';
import { applyInventoryEvent, applyProductEvent } from './apply-catalog-events.ts';
import type { SearchDeps } from './search-deps.ts';

/** Consumer names (durable: the bus and the inbox key on them). */
export const SEARCH_CONSUMERS = { products: 'search.products', inventory: 'search.inventory' } as const;

type Apply = (index: ProductSearchIndex, event: EventEnvelope) => Promise<void>;

/**
 * Subscribes the index to the catalog's and inventory's events, each handled once per consumer
 * (a redelivered event is skipped by the inbox). A stock level with a version skips the inbox: the
 * index applies it only when newer than the one it holds, so a redelivery changes nothing anyway (and
 * four stock events per two-line checkout write no inbox row). A handler that throws is retried, then
 * dead-lettered by the bus.
 */
export async function subscribeSearchConsumers(
  deps: Pick<SearchDeps, 'inbox' | 'index'>,
  bus: EventBus,
): Promise<void> {
  const once = (consumer: string, apply: Apply) => async (event: EventEnvelope) => {
    await deps.inbox.handleOnce(consumer, event, (index) => apply(index, event));
  };
  const products = once(SEARCH_CONSUMERS.products, applyProductEvent);
  const inventory = once(SEARCH_CONSUMERS.inventory, applyInventoryEvent);
  await bus.subscribe({
    consumer: SEARCH_CONSUMERS.products,
    types: [...PRODUCT_EVENT_TYPES],
    handler: products,
  });
  await bus.subscribe({
    consumer: SEARCH_CONSUMERS.inventory,
    types: [INVENTORY_CHANGED],
    handler: async (event) => {
      if (stockOf(event.data).version === undefined) await inventory(event);
      else await applyInventoryEvent(deps.index, event);
    },
  });
}
