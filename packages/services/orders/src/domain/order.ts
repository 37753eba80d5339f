import { Decimal, Money } from '@polyshop/kernel';
import type { RegionPricing } from './region-pricing.ts';
import type { SagaState } from './checkout-saga.ts';

/**
 * `pending` while the checkout saga runs; then `confirmed` (stock committed, payment captured) or
 * `failed` (everything undone); a confirmed order can become `cancelled` (refunded and restocked).
 */
export const ORDER_STATUSES = ['pending', 'confirmed', 'failed', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Where the order ships. `region` selects tax, shipping and currency. */
export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2 country code. */
  country: string;
  region: string;
}

/** The customer as known at order time (from the caller's token). */
export interface Customer {
  email?: string;
  name?: string;
}

/** One line of an order, with the price snapshotted from the catalogue when the order was placed. */
export interface OrderItem {
  sku: string;
  productId: string;
  /** Product name (and variant attributes) at order time. */
  name: string;
  quantity: number;
  unitPrice: Money;
  /** `unitPrice × quantity`, exact. */
  lineTotal: Money;
}

/** Why an order failed: a stable code (`INVENTORY.INSUFFICIENT_STOCK`, `PAYMENT.DECLINED`) and detail. */
export interface OrderFailure {
  reasonCode: string;
  message?: string;
  /** Machine-readable extras, e.g. `{ shortages: [...] }`. */
  details?: Record<string, unknown>;
}

/** Where the checkout saga stands, persisted with the order after every step. */
export interface SagaProgress {
  state: SagaState;
  /** Attempts that ended in a transient error since the last successful step. */
  attempts: number;
  /** When a recovery worker may drive the saga next (`undefined` once it is finished, or parked). */
  nextAttemptAt?: Date;
  /**
   * Set when the saga could not progress after the configured number of attempts and was parked: the
   * recovery worker leaves it alone until an admin replays it.
   */
  needsAttention?: { since: Date; failure: OrderFailure };
}

/** An order as stored. Amounts are exact and all in `currency`. */
export interface Order {
  id: string;
  /** Human-friendly, unique (`ORD-100042`). */
  orderNumber: string;
  userId: string;
  customer: Customer;
  status: OrderStatus;
  currency: string;
  items: OrderItem[];
  subtotal: Money;
  tax: Money;
  shipping: Money;
  total: Money;
  shippingAddress: ShippingAddress;
  region: string;
  /** How the customer pays (`card`, `apple_pay` …); card data itself is never stored here. */
  paymentMethod: string;
  /** The payment service's id of the authorization, once known. */
  paymentId?: string;
  idempotencyKey: string;
  /** Fingerprint of the request that created it: a reused key with another body is refused. */
  requestHash: string;
  failure?: OrderFailure;
  saga: SagaProgress;
  createdAt: Date;
  updatedAt: Date;
}

/** A catalogue line ready to be priced. */
export interface PricedLine {
  sku: string;
  productId: string;
  name: string;
  quantity: number;
  unitPrice: Money;
}

/** Totals of an order. */
export interface OrderTotals {
  items: OrderItem[];
  subtotal: Money;
  tax: Money;
  shipping: Money;
  total: Money;
}

/**
 * Prices an order exactly: line totals are exact products, the subtotal their sum, tax the subtotal
 * times the region's rate rounded once (half away from zero) to the currency's minor unit, shipping
 * the region's flat charge unless the subtotal reaches the free-shipping threshold.
 */
export function priceOrder(lines: readonly PricedLine[], region: RegionPricing): OrderTotals {
  const items = lines.map((line) => ({ ...line, lineTotal: line.unitPrice.multiply(line.quantity) }));
  const subtotal = Money.sum(
    items.map((item) => item.lineTotal),
    region.currency,
  );
  const tax = subtotal.multiply(new Decimal(region.taxRate)).round();
  const freeShipping = region.freeShippingFrom !== undefined && !subtotal.lessThan(region.freeShippingFrom);
  const shipping = freeShipping ? Money.zero(region.currency) : region.shipping;
  return { items, subtotal, tax, shipping, total: subtotal.add(tax).add(shipping) };
}
