import { createEvent, type Clock, type EventEnvelope } from '@polyshop/kernel';
import { toProductDocument, type Product, type ProductDocument } from './product.ts';

/** Source of every catalog event. */
export const PRODUCTS_SOURCE = 'products';

/** The catalog's event types (version 1). */
export const PRODUCT_EVENT_TYPES = ['product.created', 'product.updated', 'product.archived'] as const;
export type ProductEventType = (typeof PRODUCT_EVENT_TYPES)[number];

/**
 * `product.created` / `product.updated` / `product.archived`, version 1, aggregateType `product`,
 * aggregateId the product id. `data` is the whole product document exactly as `GET /products/{id}`
 * returns it after the change (prices as decimal strings in `currency`), so a consumer such as the
 * search index can rebuild its copy from events alone. `product.archived` is sent instead of
 * `product.updated` when a change moves the product to `archived`.
 */
export type ProductEvent = EventEnvelope<ProductDocument, ProductEventType>;

export function productEvent(type: ProductEventType, product: Product, clock: Clock): ProductEvent {
  return createEvent(
    PRODUCTS_SOURCE,
    { type, aggregateType: 'product', aggregateId: product.id, data: toProductDocument(product) },
    clock,
  ) as ProductEvent;
}
