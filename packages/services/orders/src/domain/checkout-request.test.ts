import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import {
  checkoutFingerprint,
  requireIdempotencyKey,
  validateCheckout,
  type CheckoutInput,
} from './checkout-request.ts';
import { lineName, snapshotLines, type CatalogVariant } from './order-lines.ts';
import { DEFAULT_REGIONS, parseRegions, requireRegion } from './region-pricing.ts';

const address = {
  name: 'Ada',
  line1: '1 Main St',
  city: 'Springfield',
  postalCode: '12345',
  country: 'US',
  region: 'US',
};
const checkout = (overrides: Partial<CheckoutInput> = {}): CheckoutInput => ({
  items: [{ sku: 'SKU-1', quantity: 1 }],
  shippingAddress: address,
  payment: { method: 'card', card: { number: '4242424242424242', expMonth: 12, expYear: 2040, cvc: '123' } },
  ...overrides,
});
const refusal = (code: string, field: string) => (error: unknown) =>
  error instanceof AppError && error.code === code && error.field === field;

describe(validateCheckout.name, () => {
  it('accepts a well-formed checkout', () => {
    assert.equal(validateCheckout(checkout()).items.length, 1);
  });

  it('refuses an empty cart, bad quantities, duplicate SKUs and too many lines, naming the field', () => {
    assert.throws(() => validateCheckout(checkout({ items: [] })), refusal('ORDERS.EMPTY_CART', 'items'));
    assert.throws(
      () => validateCheckout(checkout({ items: [{ sku: 'A', quantity: 0 }] })),
      refusal('ORDERS.INVALID_QUANTITY', 'items.0.quantity'),
    );
    assert.throws(
      () => validateCheckout(checkout({ items: [{ sku: 'A', quantity: -2 }] })),
      refusal('ORDERS.INVALID_QUANTITY', 'items.0.quantity'),
    );
    assert.throws(
      () => validateCheckout(checkout({ items: [{ sku: 'A', quantity: 1.5 }] })),
      refusal('ORDERS.INVALID_QUANTITY', 'items.0.quantity'),
    );
    assert.throws(
      () => validateCheckout(checkout({ items: [{ sku: 'A', quantity: 1_000_000 }] })),
      refusal('ORDERS.INVALID_QUANTITY', 'items.0.quantity'),
    );
    assert.throws(
      () =>
        validateCheckout(
          checkout({
            items: [
              { sku: 'A', quantity: 1 },
              { sku: 'A', quantity: 2 },
            ],
          }),
        ),
      refusal('ORDERS.DUPLICATE_SKU', 'items.1.sku'),
    );
    const many = Array.from({ length: 51 }, (_, i) => ({ sku: `S${i}`, quantity: 1 }));
    assert.throws(
      () => validateCheckout(checkout({ items: many })),
      refusal('ORDERS.TOO_MANY_ITEMS', 'items'),
    );
  });

  it('needs exactly one payment instrument', () => {
    assert.throws(
      () => validateCheckout(checkout({ payment: { method: 'card' } })),
      refusal('ORDERS.PAYMENT_INSTRUMENT_REQUIRED', 'payment'),
    );
    assert.throws(
      () => validateCheckout(checkout({ payment: { method: 'bitcoin' as 'card', token: 'tok_visa' } })),
      refusal('ORDERS.INVALID_PAYMENT_METHOD', 'payment.method'),
    );
  });

  it('fingerprints the whole checkout, the card number included (keyed); the CVC does not count', () => {
    const key = new Uint8Array(32).fill(3);
    const fingerprint = (input: CheckoutInput) => checkoutFingerprint(input, key);
    const withCard = (card: { number: string; expMonth: number; expYear: number; cvc: string }) =>
      checkout({ payment: { method: 'card', card } });
    const base = fingerprint(checkout());
    const card = checkout().payment.card!;
    assert.equal(fingerprint(withCard({ ...card, cvc: '999' })), base);
    assert.notEqual(fingerprint(withCard({ ...card, number: '4000056655665556' })), base, 'another card');
    assert.notEqual(fingerprint(withCard({ ...card, expYear: card.expYear + 1 })), base);
    assert.notEqual(fingerprint(checkout({ items: [{ sku: 'SKU-1', quantity: 2 }] })), base);
    assert.notEqual(checkoutFingerprint(checkout(), new Uint8Array(32).fill(4)), base, 'keyed');
  });

  it('requires an Idempotency-Key (428) of visible ASCII', () => {
    assert.throws(
      () => requireIdempotencyKey(undefined),
      (e: unknown) => e instanceof AppError && e.kind === 'precondition_required',
    );
    assert.throws(
      () => requireIdempotencyKey('has space'),
      refusal('ORDERS.INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key'),
    );
    assert.equal(requireIdempotencyKey('k-1'), 'k-1');
  });
});

describe(snapshotLines.name, () => {
  const us = requireRegion(parseRegions(DEFAULT_REGIONS), 'US', 'shippingAddress.region');
  const variant = (overrides: Partial<CatalogVariant> = {}): CatalogVariant => ({
    sku: 'SKU-1',
    productId: 'p1',
    productName: 'Phone',
    variantAttributes: { storage: '256GB' },
    price: '19.99',
    currency: 'USD',
    status: 'active',
    ...overrides,
  });

  it('takes the price and name from the catalogue', () => {
    const [line] = snapshotLines([{ sku: 'SKU-1', quantity: 2 }], [variant()], us);
    assert.equal(line!.unitPrice.toDecimalString(), '19.99');
    assert.equal(line!.name, 'Phone (256GB)');
  });

  it('refuses unknown SKUs (400), products not on sale and other currencies (409)', () => {
    assert.throws(
      () => snapshotLines([{ sku: 'NOPE', quantity: 1 }], [variant()], us),
      refusal('ORDERS.UNKNOWN_SKU', 'items.0.sku'),
    );
    assert.throws(
      () => snapshotLines([{ sku: 'SKU-1', quantity: 1 }], [variant({ status: 'archived' })], us),
      (e: unknown) =>
        refusal('ORDERS.PRODUCT_UNAVAILABLE', 'items.0.sku')(e) && (e as AppError).kind === 'conflict',
    );
    assert.throws(
      () => snapshotLines([{ sku: 'SKU-1', quantity: 1 }], [variant({ currency: 'EUR' })], us),
      (e: unknown) =>
        refusal('ORDERS.CURRENCY_MISMATCH', 'items.0.sku')(e) && (e as AppError).kind === 'conflict',
    );
  });

  it('refuses a region that is not sold to', () => {
    assert.throws(
      () => requireRegion(parseRegions(DEFAULT_REGIONS), 'MARS', 'shippingAddress.region'),
      refusal('ORDERS.UNSUPPORTED_REGION', 'shippingAddress.region'),
    );
  });

  it('names a line without empty attribute values', () => {
    assert.equal(
      lineName({ productName: 'Mug', variantAttributes: { color: 'Blue', size: '' } }),
      'Mug (Blue)',
    );
    assert.equal(lineName({ productName: 'Mug' }), 'Mug');
  });
});
