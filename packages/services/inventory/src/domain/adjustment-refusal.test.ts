import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { adjustmentRefusal } from './adjustment-refusal.ts';
import { MAX_STOCK_QUANTITY } from './limits.ts';

const refusal = (quantity: number, reserved: number, delta: number, field?: string) => {
  const error = adjustmentRefusal('A-1', { quantity, reserved }, delta, field);
  return error && { kind: error.kind, code: error.code, field: error.field, details: error.details };
};

describe(adjustmentRefusal.name, () => {
  it('allows any move that keeps the quantity within reserved … maximum, including exactly at either end', () => {
    assert.equal(refusal(10, 3, -7), undefined);
    assert.equal(refusal(10, 0, -10), undefined);
    assert.equal(refusal(10, 3, MAX_STOCK_QUANTITY - 10), undefined);
    assert.equal(refusal(0, 0, 5), undefined);
  });

  it('refuses below zero first, then below the reserved units, then above the maximum, with the counts it decided on', () => {
    const details = (quantity: number, reserved: number) => ({
      sku: 'A-1',
      quantity,
      reserved,
      available: quantity - reserved,
    });
    assert.deepEqual(refusal(5, 3, -6), {
      kind: 'conflict',
      code: 'INVENTORY.NEGATIVE_QUANTITY',
      field: 'delta',
      details: details(5, 3),
    });
    assert.deepEqual(refusal(5, 3, -3), {
      kind: 'conflict',
      code: 'INVENTORY.BELOW_RESERVED',
      field: 'delta',
      details: details(5, 3),
    });
    assert.deepEqual(refusal(5, 0, MAX_STOCK_QUANTITY - 4), {
      kind: 'conflict',
      code: 'INVENTORY.QUANTITY_TOO_LARGE',
      field: 'delta',
      details: details(5, 0),
    });
  });

  it('names the field it is told to (a return is refused on the reservation id, not on a delta)', () => {
    assert.equal(refusal(MAX_STOCK_QUANTITY, 0, 1, 'id')?.field, 'id');
  });
});
