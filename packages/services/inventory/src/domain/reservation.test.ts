import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import { isSameRequest, newReservation, type Reservation, type ReservationRequest } from './reservation.ts';

const now = new Date('2026-05-01T10:00:00.000Z');
const request = (overrides: Partial<ReservationRequest> = {}): ReservationRequest => ({
  reservationId: 'order-1',
  items: [
    { sku: 'B-2', quantity: 1 },
    { sku: 'A-1', quantity: 3 },
  ],
  ttlSeconds: 120,
  ...overrides,
});
const invalid = (code: string, field: string) => (error: unknown) =>
  error instanceof AppError && error.kind === 'invalid_input' && error.code === code && error.field === field;

describe(newReservation.name, () => {
  it('sorts items by SKU (the lock order) and computes the expiry from the ttl', () => {
    assert.deepEqual(newReservation(request(), now), {
      id: 'order-1',
      items: [
        { sku: 'A-1', quantity: 3 },
        { sku: 'B-2', quantity: 1 },
      ],
      ttlSeconds: 120,
      expiresAt: new Date('2026-05-01T10:02:00.000Z'),
    });
  });

  it('sorts by code point, as the store compares SKUs', () => {
    const items = ['b', 'B', 'a-1', 'A', 'Z9'].map((sku) => ({ sku, quantity: 1 }));
    assert.deepEqual(
      newReservation(request({ items }), now).items.map((i) => i.sku),
      ['A', 'B', 'Z9', 'a-1', 'b'],
    );
  });

  it('refuses bad ids, ttl, empty or oversized item lists, bad SKUs and quantities, naming the field', () => {
    assert.throws(
      () => newReservation(request({ reservationId: '' }), now),
      invalid('INVENTORY.INVALID_RESERVATION_ID', 'reservationId'),
    );
    assert.throws(
      () => newReservation(request({ ttlSeconds: 0 }), now),
      invalid('INVENTORY.INVALID_TTL', 'ttlSeconds'),
    );
    assert.throws(
      () => newReservation(request({ ttlSeconds: 86_401 }), now),
      invalid('INVENTORY.INVALID_TTL', 'ttlSeconds'),
    );
    assert.throws(
      () => newReservation(request({ ttlSeconds: 1.5 }), now),
      invalid('INVENTORY.INVALID_TTL', 'ttlSeconds'),
    );
    assert.throws(() => newReservation(request({ items: [] }), now), invalid('INVENTORY.NO_ITEMS', 'items'));
    const many = Array.from({ length: 51 }, (_, i) => ({ sku: `S${i}`, quantity: 1 }));
    assert.throws(
      () => newReservation(request({ items: many }), now),
      invalid('INVENTORY.TOO_MANY_ITEMS', 'items'),
    );
    assert.throws(
      () =>
        newReservation(
          request({
            items: [
              { sku: 'ok', quantity: 1 },
              { sku: 'a b', quantity: 1 },
            ],
          }),
          now,
        ),
      invalid('INVENTORY.INVALID_SKU', 'items.1.sku'),
    );
    assert.throws(
      () => newReservation(request({ items: [{ sku: 'ok', quantity: 0 }] }), now),
      invalid('INVENTORY.INVALID_QUANTITY', 'items.0.quantity'),
    );
    assert.throws(
      () => newReservation(request({ items: [{ sku: 'ok', quantity: 1_000_001 }] }), now),
      invalid('INVENTORY.INVALID_QUANTITY', 'items.0.quantity'),
    );
    assert.throws(
      () => newReservation(request({ items: [{ sku: 'ok', quantity: '2' as unknown as number }] }), now),
      invalid('INVENTORY.INVALID_QUANTITY', 'items.0.quantity'),
    );
  });

  it('refuses a SKU listed twice instead of merging it', () => {
    const items = [
      { sku: 'A', quantity: 1 },
      { sku: 'B', quantity: 1 },
      { sku: 'A', quantity: 2 },
    ];
    assert.throws(
      () => newReservation(request({ items }), now),
      invalid('INVENTORY.DUPLICATE_SKU', 'items.2.sku'),
    );
  });
});

describe(isSameRequest.name, () => {
  const stored: Reservation = {
    id: 'order-1',
    status: 'committed',
    items: [
      { sku: 'A-1', quantity: 3 },
      { sku: 'B-2', quantity: 1 },
    ],
    ttlSeconds: 120,
    expiresAt: now,
    createdAt: now,
    updatedAt: now,
  };

  it('is true for the same items in any order and the same ttl, whatever the time and status', () => {
    assert.ok(isSameRequest(stored, newReservation(request(), new Date('2027-01-01T00:00:00Z'))));
  });

  it('is false for another quantity, another SKU set or another ttl', () => {
    assert.ok(
      !isSameRequest(
        stored,
        newReservation(
          request({
            items: [
              { sku: 'A-1', quantity: 2 },
              { sku: 'B-2', quantity: 1 },
            ],
          }),
          now,
        ),
      ),
    );
    assert.ok(!isSameRequest(stored, newReservation(request({ items: [{ sku: 'A-1', quantity: 3 }] }), now)));
    assert.ok(!isSameRequest(stored, newReservation(request({ ttlSeconds: 121 }), now)));
  });
});
