import { Money } from '@polyshop/kernel';
import type { Order, OrderItem } from '../../domain/order.ts';
import { ORDERS_TABLE, type OrderItemRow, type OrderRow } from './orders-tables.ts';

export const ORDER_COLUMNS = ORDERS_TABLE.columnList;

export function toOrderItem(row: OrderItemRow, currency: string): OrderItem {
  return {
    sku: row.sku,
    productId: row.product_id,
    name: row.name,
    quantity: row.quantity,
    unitPrice: Money.of(row.unit_price, currency),
    lineTotal: Money.of(row.line_total, currency),
  };
}

export function toOrder(row: OrderRow, items: readonly OrderItemRow[]): Order {
  const currency = row.currency.trim();
  const customer: Order['customer'] = {};
  if (row.customer_email) customer.email = row.customer_email;
  if (row.customer_name) customer.name = row.customer_name;
  const order: Order = {
    id: row.id,
    orderNumber: row.order_number,
    userId: row.user_id,
    customer,
    status: row.status,
    currency,
    items: items.map((item) => toOrderItem(item, currency)),
    subtotal: Money.of(row.subtotal, currency),
    tax: Money.of(row.tax, currency),
    shipping: Money.of(row.shipping, currency),
    total: Money.of(row.total, currency),
    shippingAddress: row.shipping_address,
    region: row.region,
    paymentMethod: row.payment_method,
    idempotencyKey: row.idempotency_key,
    requestHash: row.request_hash,
    saga: { state: row.saga_state, attempts: row.saga_attempts },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.next_attempt_at) order.saga.nextAttemptAt = row.next_attempt_at;
  if (row.parked_at && row.parked_failure)
    order.saga.needsAttention = { since: row.parked_at, failure: row.parked_failure };
  if (row.payment_id) order.paymentId = row.payment_id;
  if (row.failure) order.failure = row.failure;
  else if (row.reason_code) order.failure = { reasonCode: row.reason_code };
  return order;
}
