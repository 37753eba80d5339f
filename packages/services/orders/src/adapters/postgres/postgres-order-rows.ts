import { Money } from '@polyshop/kernel';
import type { SagaState } from '../../domain/checkout-saga.ts';
import type { Order, OrderFailure, OrderItem, OrderStatus, ShippingAddress } from '../../domain/order.ts';

/** A row of `orders.orders` as the query layer returns it (numeric as exact strings). */
export interface OrderRow {
  id: string;
  order_number: string;
  user_id: string;
  customer_email: string | null;
  customer_name: string | null;
  status: OrderStatus;
  currency: string;
  subtotal: string;
  tax: string;
  shipping: string;
  total: string;
  shipping_address: ShippingAddress;
  region: string;
  payment_method: string;
  payment_id: string | null;
  idempotency_key: string;
  request_hash: string;
  reason_code: string | null;
  failure: OrderFailure | null;
  saga_state: SagaState;
  saga_attempts: number;
  next_attempt_at: Date | null;
  lease_owner: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of `orders.order_items`. */
export interface OrderItemRow {
  order_id: string;
  position: number;
  sku: string;
  product_id: string;
  name: string;
  quantity: number;
  unit_price: string;
  line_total: string;
}

export const ORDER_COLUMNS = `id, order_number, user_id, customer_email, customer_name, status, currency, subtotal, tax, shipping,
  total, shipping_address, region, payment_method, payment_id, idempotency_key, request_hash, reason_code, failure,
  saga_state, saga_attempts, next_attempt_at, lease_owner, created_at, updated_at`;

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
  if (row.payment_id) order.paymentId = row.payment_id;
  if (row.failure) order.failure = row.failure;
  else if (row.reason_code) order.failure = { reasonCode: row.reason_code };
  return order;
}
