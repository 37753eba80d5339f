import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '@polyshop/kernel';
import { inventoryEvents } from './inventory-events.ts';
import { countsOf, type StockChange } from './stock-level.ts';

const clock = new ManualClock('2026-05-01T10:00:00.000Z');
const change = (before: [number, number] | undefined, after: [number, number], sku = 'A-1'): StockChange => ({
  sku,
  before: before && countsOf(...before),
  after: { sku, ...countsOf(...after), version: 2, updatedAt: clock.now() },
});
const types = (changes: StockChange[], threshold = 5) =>
  inventoryEvents(changes, { clock, lowStockThreshold: threshold }).map((e) => e.type);

describe(inventoryEvents.name, () => {
  it('emits inventory.changed with the counts after the change and inStock', () => {
    const [event] = inventoryEvents([change([10, 0], [10, 10])], {
      clock,
      lowStockThreshold: 5,
      correlationId: 'order-9',
    });
    assert.deepEqual(
      {
        type: event!.type,
        source: event!.source,
        aggregate: [event!.aggregateType, event!.aggregateId],
        version: event!.version,
        correlationId: event!.correlationId,
        at: event!.occurredAt,
        data: event!.data,
      },
      {
        type: 'inventory.changed',
        source: 'inventory',
        aggregate: ['inventory', 'A-1'],
        version: 1,
        correlationId: 'order-9',
        at: '2026-05-01T10:00:00.000Z',
        data: { sku: 'A-1', quantity: 10, reserved: 10, available: 0, inStock: false, version: 2 },
      },
    );
  });

  it('adds inventory.low only when available crosses from above the threshold to at or below it', () => {
    assert.deepEqual(types([change([10, 0], [10, 4])]), ['inventory.changed']);
    assert.deepEqual(types([change([10, 4], [10, 5])]), ['inventory.changed', 'inventory.low']);
    assert.deepEqual(types([change([10, 5], [10, 7])]), ['inventory.changed'], 'already low');
    assert.deepEqual(types([change([10, 7], [10, 3])]), ['inventory.changed'], 'rising is not low');
    assert.deepEqual(
      types([change(undefined, [2, 0])]),
      ['inventory.changed', 'inventory.low'],
      'created at a low level',
    );
    assert.deepEqual(types([change(undefined, [6, 0])]), ['inventory.changed']);
    assert.deepEqual(
      types([change([1, 0], [0, 0])], 0),
      ['inventory.changed', 'inventory.low'],
      'threshold 0: sold out',
    );
  });

  it('keeps change order across SKUs, each with its own events and ids', () => {
    const events = inventoryEvents([change([9, 0], [9, 8], 'A'), change([9, 0], [9, 1], 'B')], {
      clock,
      lowStockThreshold: 5,
    });
    assert.deepEqual(
      events.map((e) => [e.type, e.aggregateId]),
      [
        ['inventory.changed', 'A'],
        ['inventory.low', 'A'],
        ['inventory.changed', 'B'],
      ],
    );
    assert.equal(new Set(events.map((e) => e.id)).size, 3);
  });
});
