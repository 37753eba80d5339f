import { AppError, keyedFingerprint } from '@polyshop/kernel';
import type { ShippingAddress } from './order.ts';

/** Most lines in one order (the inventory reserves at most 50 SKUs at once). */
export const MAX_ORDER_LINES = 50;
/** Most units of one SKU in one order; more is refused as absurd rather than reserved. */
export const MAX_LINE_QUANTITY = 1000;
/** A SKU as the catalogue and inventory spell it. */
export const SKU_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
const SKU = new RegExp(SKU_PATTERN);
/** Payment methods the payment service accepts. */
export const PAYMENT_METHODS = ['card', 'apple_pay', 'google_pay'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** Card details as the client sends them: held in memory for the payment call, never stored. */
export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

/** How the customer pays: exactly one of `card` and `token`. */
export interface PaymentInput {
  method: PaymentMethod;
  card?: CardInput;
  token?: string;
}

/** One line as the client sends it: what and how many, never a price. */
export interface CartLine {
  sku: string;
  quantity: number;
}

/** `POST /orders` as the client sends it. */
export interface CheckoutInput {
  items: CartLine[];
  shippingAddress: ShippingAddress;
  payment: PaymentInput;
}

/**
 * Checks what a schema cannot: a non-empty cart within limits, each SKU once, sane quantities, a
 * single payment instrument. Every failure is a 400 naming the field; nothing is reserved or charged.
 */
export function validateCheckout(input: CheckoutInput): CheckoutInput {
  if (!Array.isArray(input?.items) || input.items.length === 0) {
    throw AppError.invalidInput('ORDERS.EMPTY_CART', 'An order needs at least one item.', { field: 'items' });
  }
  if (input.items.length > MAX_ORDER_LINES) {
    throw AppError.invalidInput('ORDERS.TOO_MANY_ITEMS', `An order has at most ${MAX_ORDER_LINES} lines.`, {
      field: 'items',
    });
  }
  const seen = new Set<string>();
  input.items.forEach((line, index) => {
    if (typeof line?.sku !== 'string' || !SKU.test(line.sku)) {
      throw AppError.invalidInput('ORDERS.INVALID_SKU', 'A SKU is 1–64 letters, digits, ".", "_" or "-".', {
        field: `items.${index}.sku`,
      });
    }
    if (seen.has(line.sku)) {
      throw AppError.invalidInput(
        'ORDERS.DUPLICATE_SKU',
        `SKU ${line.sku} is listed twice; list each SKU once with its quantity.`,
        {
          field: `items.${index}.sku`,
        },
      );
    }
    seen.add(line.sku);
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_LINE_QUANTITY) {
      throw AppError.invalidInput(
        'ORDERS.INVALID_QUANTITY',
        `A quantity is a whole number from 1 to ${MAX_LINE_QUANTITY}.`,
        {
          field: `items.${index}.quantity`,
        },
      );
    }
  });
  const payment = input.payment;
  if (!PAYMENT_METHODS.includes(payment?.method)) {
    throw AppError.invalidInput(
      'ORDERS.INVALID_PAYMENT_METHOD',
      `payment.method is one of ${PAYMENT_METHODS.join(', ')}.`,
      {
        field: 'payment.method',
      },
    );
  }
  if ((payment.card === undefined) === (payment.token === undefined)) {
    throw AppError.invalidInput(
      'ORDERS.PAYMENT_INSTRUMENT_REQUIRED',
      'Send exactly one of payment.card and payment.token.',
      {
        field: 'payment',
      },
    );
  }
  return input;
}

/**
 * A fingerprint of the whole checkout, to tell a retry (same Idempotency-Key, same request) from a
 * reused key: items in SKU order, the address, the payment method and the instrument — the card by
 * its number (digits only) and expiry, or the token — so the same key with another card is refused.
 * HMAC-SHA256 under the service's fingerprint key: the card number cannot be recovered from it nor a
 * guess tested without the key. The CVC stays out (never kept in any form; it picks no other card).
 */
export function checkoutFingerprint(input: CheckoutInput, key: Uint8Array): string {
  const items = [...input.items]
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
    .map((line) => [line.sku, line.quantity]);
  const a = input.shippingAddress;
  const address = [a.name, a.line1, a.line2 ?? '', a.city, a.postalCode, a.country, a.region];
  const { card, token } = input.payment;
  const instrument = card
    ? ['card', String(card.number).replace(/\D/g, ''), card.expMonth, card.expYear]
    : ['token', token ?? null];
  return keyedFingerprint(key, [items, address, input.payment.method, instrument]);
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** An `Idempotency-Key` header: required (428 without), 1–255 visible ASCII characters. */
export function requireIdempotencyKey(key: string | undefined): string {
  if (key === undefined || key === '') {
    throw new AppError(
      'precondition_required',
      'ORDERS.IDEMPOTENCY_KEY_REQUIRED',
      'Send an Idempotency-Key header (e.g. a UUID) so a retry never orders twice.',
      {
        field: 'Idempotency-Key',
      },
    );
  }
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw AppError.invalidInput(
      'ORDERS.INVALID_IDEMPOTENCY_KEY',
      'The Idempotency-Key is 1–255 visible ASCII characters.',
      {
        field: 'Idempotency-Key',
      },
    );
  }
  return key;
}
