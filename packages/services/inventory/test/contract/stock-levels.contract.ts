import { it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import type { InventoryRepository } from '../../src/ports/inventory-repository.ts';
import { aReservation, aSku, at, recordingContext, stocked, T0 } from './inventory-fixtures.ts';

function rejectsWith(code: string, field?: string) {
  return (error: unknown) =>
    error instanceof AppError && error.code === code && (field === undefined || error.field === field);
}

/** Stock levels: set, adjust, history, reads. */
export function stockLevelCases(repo: () => InventoryRepository): void {
  it('knows no SKU until one is set; setting creates it with nothing reserved', async () => {
    const sku = aSku();
    assert.equal(await repo().findStock(sku), undefined);
    const context = recordingContext();
    const change = await repo().setQuantity({ sku, quantity: 12, reason: 'first delivery' }, context);
    assert.deepEqual(change, {
      sku,
      before: undefined,
      after: { sku, quantity: 12, reserved: 0, available: 12, version: 1, updatedAt: T0 },
    });
    assert.deepEqual(await repo().findStock(sku), change.after);
    assert.deepEqual(context.calls, [[change]]);
  });

  it('setting again replaces the quantity, bumps the version and reports the previous counts', async () => {
    const sku = await stocked(repo(), 10);
    const change = await repo().setQuantity(
      { sku, quantity: 4, reason: 'stock take', actor: 'u-1' },
      { now: at(5) },
    );
    assert.deepEqual(change.before, { quantity: 10, reserved: 0, available: 10 });
    assert.deepEqual(change.after, {
      sku,
      quantity: 4,
      reserved: 0,
      available: 4,
      version: 2,
      updatedAt: at(5),
    });
    const [latest] = await repo().listAdjustments(sku, 10);
    assert.deepEqual(
      {
        kind: latest!.kind,
        delta: latest!.delta,
        after: latest!.quantityAfter,
        reason: latest!.reason,
        actor: latest!.actor,
        at: latest!.at,
      },
      { kind: 'set', delta: -6, after: 4, reason: 'stock take', actor: 'u-1', at: at(5) },
    );
  });

  it('refuses to set the quantity below what is reserved, changing nothing', async () => {
    const sku = await stocked(repo(), 10);
    await repo().reserve(aReservation([{ sku, quantity: 7 }]), { now: T0 });
    await assert.rejects(
      repo().setQuantity({ sku, quantity: 6, reason: 'x' }, { now: at(1) }),
      rejectsWith('INVENTORY.BELOW_RESERVED', 'quantity'),
    );
    assert.deepEqual(
      await repo()
        .findStock(sku)
        .then((s) => [s?.quantity, s?.reserved, s?.version]),
      [10, 7, 2],
    );
    const change = await repo().setQuantity(
      { sku, quantity: 7, reason: 'exactly the reserved units' },
      { now: at(2) },
    );
    assert.equal(change.after.available, 0);
  });

  it('adjusts by a delta, reporting counts before and after, and keeps the history newest first', async () => {
    const sku = await stocked(repo(), 10);
    const context = recordingContext(at(1));
    const up = await repo().adjust({ sku, delta: 5, reason: 'delivery 42', actor: 'u-7' }, context);
    assert.deepEqual(
      [up.before, up.after.quantity, up.after.available, up.after.version],
      [{ quantity: 10, reserved: 0, available: 10 }, 15, 15, 2],
    );
    const down = await repo().adjust({ sku, delta: -15, reason: 'damaged' }, { now: at(2) });
    assert.deepEqual([down.before?.quantity, down.after.quantity, down.after.available], [15, 0, 0]);
    const history = await repo().listAdjustments(sku, 10);
    assert.deepEqual(
      history.map((h) => [h.kind, h.delta, h.quantityAfter, h.reason, h.actor]),
      [
        ['adjust', -15, 0, 'damaged', undefined],
        ['adjust', 5, 15, 'delivery 42', 'u-7'],
        ['set', 10, 10, 'test stock', undefined],
      ],
    );
    assert.equal((await repo().listAdjustments(sku, 1)).length, 1);
    assert.deepEqual(context.calls, [[up]]);
  });

  it('refuses an adjustment of an unknown SKU, below zero, below reserved or above the maximum, and records none', async () => {
    await assert.rejects(
      repo().adjust({ sku: aSku(), delta: 1, reason: 'x' }, { now: T0 }),
      rejectsWith('INVENTORY.SKU_NOT_FOUND'),
    );
    const sku = await stocked(repo(), 5);
    await assert.rejects(
      repo().adjust({ sku, delta: -6, reason: 'x' }, { now: T0 }),
      rejectsWith('INVENTORY.NEGATIVE_QUANTITY', 'delta'),
    );
    await repo().reserve(aReservation([{ sku, quantity: 3 }]), { now: T0 });
    await assert.rejects(
      repo().adjust({ sku, delta: -3, reason: 'x' }, { now: T0 }),
      (error: unknown) =>
        rejectsWith('INVENTORY.BELOW_RESERVED', 'delta')(error) &&
        (error as AppError).details?.available === 2,
    );
    await assert.rejects(
      repo().adjust({ sku, delta: 1_000_000_000, reason: 'x' }, { now: T0 }),
      rejectsWith('INVENTORY.QUANTITY_TOO_LARGE', 'delta'),
    );
    const stock = await repo().findStock(sku);
    assert.deepEqual([stock?.quantity, stock?.reserved], [5, 3]);
    assert.equal((await repo().listAdjustments(sku, 10)).length, 1);
    const allowed = await repo().adjust(
      { sku, delta: -2, reason: 'down to the reserved units' },
      { now: T0 },
    );
    assert.deepEqual([allowed.after.quantity, allowed.after.available], [3, 0]);
  });

  it('reads several SKUs at once: known ones in SKU order, unknown and repeated ones left out', async () => {
    const b = await stocked(repo(), 2, 'b');
    const a = await stocked(repo(), 1, 'a');
    const levels = await repo().findStocks([b, aSku('unknown'), a, b]);
    assert.deepEqual(
      levels.map((l) => [l.sku, l.quantity]),
      [
        [a, 1],
        [b, 2],
      ],
    );
    assert.deepEqual(await repo().findStocks([]), []);
  });
}
