import type { Order } from '../domain/order.ts';

/** An order on the wire: amounts as decimal strings in `currency`, times ISO 8601. */
export interface OrderView {
  id: string;
  orderNumber: string;
  userId: string;
  customer: { email?: string; name?: string };
  status: Order['status'];
  /** Why the order failed or was cancelled. */
  reasonCode?: string;
  failure?: { reasonCode: string; message?: string; details?: Record<string, unknown> };
  currency: string;
  items: {
    sku: string;
    productId: string;
    name: string;
    quantity: number;
    unitPrice: string;
    lineTotal: string;
  }[];
  subtotal: string;
  tax: string;
  shipping: string;
  total: string;
  shippingAddress: Order['shippingAddress'];
  region: string;
  paymentMethod: string;
  paymentId?: string;
  saga: {
    state: Order['saga']['state'];
    attempts: number;
    nextAttemptAt?: string;
    /** Present while the saga is parked: since when, and the failure that parked it. */
    needsAttention?: { since: string; reasonCode: string; message?: string };
  };
  createdAt: string;
  updatedAt: string;
}

export function toOrderView(order: Order): OrderView {
  const view: OrderView = {
    id: order.id,
    orderNumber: order.orderNumber,
    userId: order.userId,
    customer: order.customer,
    status: order.status,
    currency: order.currency,
    items: order.items.map((item) => ({
      sku: item.sku,
      productId: item.productId,
      name: item.name,
      quantity: item.quantity,
      unitPrice: item.unitPrice.toDecimalString(),
      lineTotal: item.lineTotal.toDecimalString(),
    })),
    subtotal: order.subtotal.toDecimalString(),
    tax: order.tax.toDecimalString(),
    shipping: order.shipping.toDecimalString(),
    total: order.total.toDecimalString(),
    shippingAddress: order.shippingAddress,
    region: order.region,
    paymentMethod: order.paymentMethod,
    saga: { state: order.saga.state, attempts: order.saga.attempts },
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
  if (order.failure) {
    view.reasonCode = order.failure.reasonCode;
    view.failure = order.failure;
  }
  if (order.paymentId) view.paymentId = order.paymentId;
  if (order.saga.nextAttemptAt) view.saga.nextAttemptAt = order.saga.nextAttemptAt.toISOString();
  const attention = order.saga.needsAttention;
  if (attention) {
    view.saga.needsAttention = {
      since: attention.since.toISOString(),
      reasonCode: attention.failure.reasonCode,
      ...(attention.failure.message !== undefined ? { message: attention.failure.message } : {}),
    };
  }
  return view;
}
