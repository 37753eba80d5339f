import { defineTable, fingerprintKeyTable } from '@polyshop/stores';
import type { SagaState } from '../../domain/checkout-saga.ts';
import type { OrderFailure, OrderStatus, ShippingAddress } from '../../domain/order.ts';

/**
 * Every table of the `orders` schema, one row type each (snake_case, as SQL returns them);
 * `test/contract/orders-tables.test.ts` checks them against the migrated database.
 */

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
  /** When the saga was parked as needing attention (migration 0002); NULL otherwise. */
  parked_at: Date | null;
  /** The failure that parked it. */
  parked_failure: OrderFailure | null;
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

export const ORDERS_TABLE = defineTable<OrderRow>()('orders', 'orders', [
  'id',
  'order_number',
  'user_id',
  'customer_email',
  'customer_name',
  'status',
  'currency',
  'subtotal',
  'tax',
  'shipping',
  'total',
  'shipping_address',
  'region',
  'payment_method',
  'payment_id',
  'idempotency_key',
  'request_hash',
  'reason_code',
  'failure',
  'saga_state',
  'saga_attempts',
  'next_attempt_at',
  'lease_owner',
  'parked_at',
  'parked_failure',
  'created_at',
  'updated_at',
]);

export const ORDER_ITEMS_TABLE = defineTable<OrderItemRow>()('orders', 'order_items', [
  'order_id',
  'position',
  'sku',
  'product_id',
  'name',
  'quantity',
  'unit_price',
  'line_total',
]);

/** A row of `orders.saga_steps`: one change of a saga (migration 0004, written by a trigger). */
export interface SagaStepRow {
  order_id: string;
  position: string;
  at: Date;
  kind: 'state' | 'retry' | 'parked' | 'resumed';
  from_state: SagaState | null;
  to_state: SagaState;
  attempts: number;
  next_attempt_at: Date | null;
  reason_code: string | null;
  message: string | null;
}

export const SAGA_STEPS_TABLE = defineTable<SagaStepRow>()('orders', 'saga_steps', [
  'order_id',
  'position',
  'at',
  'kind',
  'from_state',
  'to_state',
  'attempts',
  'next_attempt_at',
  'reason_code',
  'message',
]);

/** The service's own tables (`migrate` adds the messaging tables, declared in `@polyshop/stores`). */
export const ORDERS_TABLES = [
  ORDERS_TABLE,
  ORDER_ITEMS_TABLE,
  SAGA_STEPS_TABLE,
  fingerprintKeyTable('orders'),
];
