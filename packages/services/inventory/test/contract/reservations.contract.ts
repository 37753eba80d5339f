import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { NewReservation } from '../../src/domain/reservation.ts';
import type { InventoryRepository } from '../../src/ports/inventory-repository.ts';
import { aReservation, aSku, at, recordingContext, stocked, T0 } from './inventory-fixtures.ts';

/** Reservations: all-or-nothing, idempotent by id, and the active → committed | released | expired lifecycle. */
export function reservationCases(repo: () => InventoryRepository): void {
  async function counts(sku: string) {
    const stock = await repo().findStock(sku);
    return stock && [stock.quantity, stock.reserved, stock.available];
  }
  async function reserved(request: NewReservation): Promise<NewReservation> {
    assert.equal((await repo().reserve(request, { now: T0 })).status, 'reserved');
    return request;
  }

  it('reserves every item, reporting each SKU before and after, and stores the reservation', async () => {
    const a = await stocked(repo(), 10, 'a');
    const b = await stocked(repo(), 3, 'b');
    const request = aReservation(
      [
        { sku: b, quantity: 3 },
        { sku: a, quantity: 2 },
      ],
      { ttlSeconds: 90 },
    );
    const context = recordingContext();
    const outcome = await repo().reserve(request, context);
    assert.equal(outcome.status, 'reserved');
    if (outcome.status !== 'reserved') return;
    assert.deepEqual(outcome.reservation, {
      id: request.id,
      status: 'active',
      items: [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 3 },
      ],
      ttlSeconds: 90,
      expiresAt: at(90),
      createdAt: T0,
      updatedAt: T0,
    });
    assert.deepEqual(
      outcome.changes.map((c) => [c.sku, c.before, c.after.reserved, c.after.available]),
      [
        [a, { quantity: 10, reserved: 0, available: 10 }, 2, 8],
        [b, { quantity: 3, reserved: 0, available: 3 }, 3, 0],
      ],
    );
    assert.deepEqual(context.calls, [outcome.changes]);
    assert.deepEqual(await repo().findReservation(request.id), outcome.reservation);
    assert.deepEqual(await counts(a), [10, 2, 8]);
  });

  it('reserves nothing when any item is short, listing every short SKU (an unknown SKU has 0 available)', async () => {
    const plenty = await stocked(repo(), 10, 'a');
    const short = await stocked(repo(), 1, 'b');
    const unknown = aSku('c');
    const request = aReservation([
      { sku: plenty, quantity: 5 },
      { sku: short, quantity: 2 },
      { sku: unknown, quantity: 1 },
    ]);
    const context = recordingContext();
    const outcome = await repo().reserve(request, context);
    assert.deepEqual(outcome, {
      status: 'insufficient_stock',
      shortages: [
        { sku: short, requested: 2, available: 1 },
        { sku: unknown, requested: 1, available: 0 },
      ],
    });
    assert.deepEqual(
      [await counts(plenty), await counts(short)],
      [
        [10, 0, 10],
        [1, 0, 1],
      ],
    );
    assert.equal(await repo().findReservation(request.id), undefined);
    assert.deepEqual(context.calls, []);
    await repo().adjust({ sku: short, delta: 1, reason: 'restock' }, { now: T0 });
    await repo().setQuantity({ sku: unknown, quantity: 1, reason: 'new' }, { now: T0 });
    assert.equal(
      (await repo().reserve(request, { now: T0 })).status,
      'reserved',
      'a retry after a shortage is evaluated afresh',
    );
  });

  it('answers a second reserve with the same id with the stored reservation, changing nothing', async () => {
    const sku = await stocked(repo(), 5);
    const request = aReservation([{ sku, quantity: 2 }]);
    const first = await repo().reserve(request, { now: T0 });
    assert.equal(first.status, 'reserved');
    const context = recordingContext(at(1));
    const again = await repo().reserve({ ...request, items: [{ sku, quantity: 4 }] }, context);
    assert.deepEqual(again, {
      status: 'exists',
      reservation: first.status === 'reserved' && first.reservation,
    });
    assert.deepEqual(await counts(sku), [5, 2, 3]);
    assert.deepEqual(context.calls, []);
  });

  it('commits: stock leaves (quantity and reserved drop); a second commit changes nothing', async () => {
    const sku = await stocked(repo(), 5);
    const { id } = await reserved(aReservation([{ sku, quantity: 2 }]));
    const context = recordingContext(at(10));
    const committed = await repo().commitReservation(id, context);
    assert.deepEqual(
      [committed?.reservation.status, committed?.reservation.updatedAt],
      ['committed', at(10)],
    );
    assert.deepEqual(
      committed?.changes.map((c) => [c.before, c.after.quantity, c.after.reserved, c.after.available]),
      [[{ quantity: 5, reserved: 2, available: 3 }, 3, 0, 3]],
    );
    assert.deepEqual(context.calls, [committed.changes]);
    const again = await repo().commitReservation(id, { now: at(11) });
    assert.deepEqual(
      [again?.reservation.status, again?.reservation.updatedAt, again?.changes],
      ['committed', at(10), []],
    );
    const release = await repo().releaseReservation(id, { now: at(12) });
    assert.deepEqual(
      [release?.reservation.status, release?.changes],
      ['committed', []],
      'a committed reservation cannot be released',
    );
    assert.deepEqual(await counts(sku), [3, 0, 3]);
  });

  it('releases: stock returns; releasing again changes nothing; a released reservation is not committed', async () => {
    const sku = await stocked(repo(), 5);
    const request = aReservation([{ sku, quantity: 4 }]);
    await repo().reserve(request, { now: T0 });
    const released = await repo().releaseReservation(request.id, { now: at(1) });
    assert.deepEqual(
      [released?.reservation.status, released?.changes.map((c) => [c.before?.reserved, c.after.reserved])],
      ['released', [[4, 0]]],
    );
    assert.deepEqual((await repo().releaseReservation(request.id, { now: at(2) }))?.changes, []);
    const commit = await repo().commitReservation(request.id, { now: at(3) });
    assert.deepEqual([commit?.reservation.status, commit?.changes], ['released', []]);
    assert.deepEqual(await counts(sku), [5, 0, 5]);
  });

  it('lists active reservations past expiry, soonest first, and expiring one returns its stock once', async () => {
    const sku = await stocked(repo(), 10);
    const soon = aReservation([{ sku, quantity: 1 }], { ttlSeconds: 10 });
    const later = aReservation([{ sku, quantity: 2 }], { ttlSeconds: 20 });
    const committed = aReservation([{ sku, quantity: 3 }], { ttlSeconds: 5 });
    for (const r of [later, soon, committed]) await repo().reserve(r, { now: T0 });
    await repo().commitReservation(committed.id, { now: at(1) });
    const mine = (ids: string[]) => ids.filter((id) => [soon.id, later.id, committed.id].includes(id));
    assert.deepEqual(mine(await repo().findExpiredReservations(at(9), 1000)), []);
    assert.deepEqual(mine(await repo().findExpiredReservations(at(10), 1000)), [soon.id]);
    assert.deepEqual(mine(await repo().findExpiredReservations(at(60), 1000)), [soon.id, later.id]);
    assert.ok((await repo().findExpiredReservations(at(60), 1)).length <= 1);

    const early = await repo().expireReservation(later.id, { now: at(19) });
    assert.deepEqual(
      [early?.reservation.status, early?.changes],
      ['active', []],
      'not expired before its time',
    );
    const context = recordingContext(at(20));
    const expired = await repo().expireReservation(later.id, context);
    assert.deepEqual(
      [expired?.reservation.status, expired?.changes.map((c) => c.after.reserved)],
      ['expired', [1]],
    );
    assert.equal(context.calls.length, 1);
    assert.deepEqual((await repo().expireReservation(later.id, { now: at(21) }))?.changes, []);
    assert.deepEqual(await counts(sku), [7, 1, 6]);
  });

  it('a late commit expires the reservation instead (stock returns); a release of an expired one changes nothing', async () => {
    const sku = await stocked(repo(), 4);
    const request = aReservation([{ sku, quantity: 4 }], { ttlSeconds: 30 });
    await repo().reserve(request, { now: T0 });
    const late = await repo().commitReservation(request.id, { now: at(30) });
    assert.deepEqual(
      [late?.reservation.status, late?.changes.map((c) => [c.after.quantity, c.after.reserved])],
      ['expired', [[4, 0]]],
    );
    assert.deepEqual(
      (await repo().commitReservation(request.id, { now: at(31) }))?.reservation.status,
      'expired',
    );
    const release = await repo().releaseReservation(request.id, { now: at(32) });
    assert.deepEqual([release?.reservation.status, release?.changes], ['expired', []]);
    assert.deepEqual(await counts(sku), [4, 0, 4]);
  });

  it('a release before the reaper gets there returns the stock of a reservation past its expiry', async () => {
    const sku = await stocked(repo(), 4);
    const request = aReservation([{ sku, quantity: 1 }], { ttlSeconds: 1 });
    await repo().reserve(request, { now: T0 });
    const released = await repo().releaseReservation(request.id, { now: at(5) });
    assert.deepEqual([released?.reservation.status, await counts(sku)], ['released', [4, 0, 4]]);
  });

  it("lists a SKU's active reservations, soonest expiry first, within the limit (not ended ones, not other SKUs')", async () => {
    const sku = await stocked(repo(), 10, 'a');
    const other = await stocked(repo(), 10, 'b');
    const later = await reserved(
      aReservation(
        [
          { sku: other, quantity: 1 },
          { sku, quantity: 2 },
        ],
        { ttlSeconds: 40 },
      ),
    );
    const soon = await reserved(aReservation([{ sku, quantity: 1 }], { ttlSeconds: 20 }));
    const committed = await reserved(aReservation([{ sku, quantity: 3 }], { ttlSeconds: 30 }));
    const released = await reserved(aReservation([{ sku, quantity: 1 }], { ttlSeconds: 30 }));
    const elsewhere = await reserved(aReservation([{ sku: other, quantity: 1 }], { ttlSeconds: 10 }));
    await repo().commitReservation(committed.id, { now: at(1) });
    await repo().releaseReservation(released.id, { now: at(1) });

    const active = await repo().findActiveReservations(sku, 10);
    assert.deepEqual(
      active.map((r) => [r.id, r.status, r.expiresAt]),
      [
        [soon.id, 'active', at(20)],
        [later.id, 'active', at(40)],
      ],
    );
    assert.deepEqual(
      active[1]?.items,
      [
        { sku, quantity: 2 },
        { sku: other, quantity: 1 },
      ].sort((a, b) => (a.sku < b.sku ? -1 : 1)),
    );
    assert.deepEqual(
      (await repo().findActiveReservations(sku, 1)).map((r) => r.id),
      [soon.id],
    );
    assert.deepEqual(
      (await repo().findActiveReservations(other, 10)).map((r) => r.id),
      [elsewhere.id, later.id],
    );
    assert.deepEqual(await repo().findActiveReservations(aSku('none'), 10), []);
  });

  it('knows no unknown reservation', async () => {
    const id = aSku('nope');
    assert.equal(await repo().findReservation(id), undefined);
    assert.equal(await repo().commitReservation(id, { now: T0 }), undefined);
    assert.equal(await repo().releaseReservation(id, { now: T0 }), undefined);
    assert.equal(await repo().expireReservation(id, { now: T0 }), undefined);
  });
}
