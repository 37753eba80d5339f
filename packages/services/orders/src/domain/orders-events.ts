import { createEvent, type Clock, type EventEnvelope } from '@polyshop/kernel';
import type { Order } from './order.ts';

/** The `source` of every order event. */
export const ORDERS_SOURCE = 'orders';
export const ORDER_EVENT_TYPES = ['order.confirmed', 'order.failed', 'order.cancelled'] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/** One line of an order as events carry it: amounts are decimal strings in the order's currency. */
export interface OrderEventItem {
  sku: string;
  name: string;
  quantity: number;
  unitPrice: string;
  lineTotal: string;
}

/**
 * The data of every order event (v1), aggregateType `order`, aggregateId the order id.
 * The notification service writes its emails from exactly this shape.
 */
export interface OrderEventData {
  orderId: string;
  /** Human-friendly order number (`ORD-100042`). */
  orderNumber: string;
  userId: string;
  /** The customer at order time; `email` comes from the caller's token and is absent only if it had none. */
  customer: { email?: string; name?: string };
  currency: string;
  subtotal: string;
  tax: string;
  shipping: string;
  total: string;
  items: OrderEventItem[];
  /**
   * Why the order failed (`order.failed`) or was cancelled (`order.cancelled`, e.g.
   * `ORDERS.CANCELLED_BY_CUSTOMER`).
   */
  reasonCode?: string;
}

/** `order.confirmed` v1: stock committed and payment captured. */
export type OrderConfirmedEvent = EventEnvelope<OrderEventData, 'order.confirmed'>;
/** `order.failed` v1: the checkout was compensated (nothing reserved, nothing charged); carries `reasonCode`. */
export type OrderFailedEvent = EventEnvelope<OrderEventData, 'order.failed'>;
/** `order.cancelled` v1: a confirmed order was refunded and restocked. */
export type OrderCancelledEvent = EventEnvelope<OrderEventData, 'order.cancelled'>;
export type OrderEvent = OrderConfirmedEvent | OrderFailedEvent | OrderCancelledEvent;

/** The event data of an order. */
export function orderEventData(order: Order, reasonCode?: string): OrderEventData {
  const customer: OrderEventData['customer'] = {};
  if (order.customer.email) customer.email = order.customer.email;
  if (order.customer.name) customer.name = order.customer.name;
  const data: OrderEventData = {
    orderId: order.id,
    orderNumber: order.orderNumber,
    userId: order.userId,
    customer,
    currency: order.currency,
    subtotal: order.subtotal.toDecimalString(),
    tax: order.tax.toDecimalString(),
    shipping: order.shipping.toDecimalString(),
    total: order.total.toDecimalString(),
    items: order.items.map((item) => ({
      sku: item.sku,
      name: item.name,
      quantity: item.quantity,
      unitPrice: item.unitPrice.toDecimalString(),
      lineTotal: item.lineTotal.toDecimalString(),
    })),
  };
  if (reasonCode) data.reasonCode = reasonCode;
  return data;
}

/** An order event, correlated with the order id (the saga's correlation id). */
export function orderEvent(
  type: OrderEventType,
  order: Order,
  clock: Clock,
  reasonCode?: string,
): OrderEvent {
  return createEvent(
    ORDERS_SOURCE,
    {
      type,
      aggregateType: 'order',
      aggregateId: order.id,
      correlationId: order.id,
      data: orderEventData(order, reasonCode),
    },
    clock,
  ) as OrderEvent;
}
