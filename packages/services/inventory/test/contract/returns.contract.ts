import { it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, ManualClock } from '@polyshop/kernel';
import { returnReservation } from '../../src/app/return-reservation.ts';
import { MAX_STOCK_QUANTITY } from '../../src/domain/limits.ts';
import type { NewReservation } from '../../src/domain/reservation.ts';
import type { InventoryRepository } from '../../src/ports/inventory-repository.ts';
import { aReservation, aSku, at, recordingContext, stocked, T0 } from './inventory-fixtures.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Returns: a committed reservation's stock back on hand, once, atomically, with its history and events. */
export function returnCases(repo: () => InventoryRepository): void {
  async function counts(sku: string) {
    const stock = await repo().findStock(sku);
    return stock && [stock.quantity, stock.reserved, stock.available];
  }
  /** A reservation of `items` made at T0 and committed at 1 s. */
  async function committed(request: NewReservation): Promise<NewReservation> {
    assert.equal((await repo().reserve(request, { now: T0 })).status, 'reserved');
    assert.equal(
      (await repo().commitReservation(request.id, { now: at(1) }))?.reservation.status,
      'committed',
    );
    return request;
  }
  const returns = async (sku: string) =>
    (await repo().listAdjustments(sku, 50)).filter((entry) => entry.kind === 'return');
  const useCase = (clock = new ManualClock(at(5))) => ({ repository: repo(), clock, lowStockThreshold: 0 });

  it('a return after a commit restores each quantity exactly, in one write reporting every SKU, with a history entry per SKU', async () => {
    const a = await stocked(repo(), 10, 'a');
    const b = await stocked(repo(), 4, 'b');
    const { id } = await committed(
      aReservation([
        { sku: b, quantity: 4 },
        { sku: a, quantity: 3 },
      ]),
    );
    assert.deepEqual(
      [await counts(a), await counts(b)],
      [
        [7, 0, 7],
        [0, 0, 0],
      ],
    );

    const context = recordingContext(at(5));
    const returned = await repo().returnReservation(
      id,
      { reason: 'order 42 cancelled', actor: 'u-9' },
      context,
    );
    assert.deepEqual([returned?.reservation.status, returned?.reservation.updatedAt], ['returned', at(5)]);
    assert.deepEqual(
      returned?.reservation.items,
      [
        { sku: a, quantity: 3 },
        { sku: b, quantity: 4 },
      ].sort((x, y) => (x.sku < y.sku ? -1 : 1)),
    );
    assert.deepEqual(
      returned?.changes.map((c) => [c.sku, c.before, c.after.quantity, c.after.reserved, c.after.available]),
      [
        [a, { quantity: 7, reserved: 0, available: 7 }, 10, 0, 10],
        [b, { quantity: 0, reserved: 0, available: 0 }, 4, 0, 4],
      ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
    );
    assert.deepEqual(
      context.calls,
      [returned.changes],
      'the events of every SKU are recorded with the one write',
    );
    assert.deepEqual(
      [await counts(a), await counts(b)],
      [
        [10, 0, 10],
        [4, 0, 4],
      ],
    );
    assert.deepEqual(await repo().findReservation(id), returned?.reservation);
    for (const [sku, delta, after] of [
      [a, 3, 10],
      [b, 4, 4],
    ] as const) {
      const [latest] = await repo().listAdjustments(sku, 1);
      assert.deepEqual(
        {
          kind: latest!.kind,
          delta: latest!.delta,
          after: latest!.quantityAfter,
          reason: latest!.reason,
          actor: latest!.actor,
          reservationId: latest!.reservationId,
          at: latest!.at,
        },
        {
          kind: 'return',
          delta,
          after,
          reason: 'order 42 cancelled',
          actor: 'u-9',
          reservationId: id,
          at: at(5),
        },
        sku,
      );
    }
  });

  it('returning twice changes nothing the second time; the returned reservation can be neither committed nor released', async () => {
    const sku = await stocked(repo(), 6);
    const { id } = await committed(aReservation([{ sku, quantity: 2 }]));
    const first = await repo().returnReservation(id, { reason: 'cancelled' }, { now: at(5) });
    const version = (await repo().findStock(sku))?.version;
    const context = recordingContext(at(6));
    const again = await repo().returnReservation(id, { reason: 'cancelled again' }, context);
    assert.deepEqual(again, { reservation: first!.reservation, changes: [] });
    assert.deepEqual(context.calls, []);
    assert.deepEqual((await repo().commitReservation(id, { now: at(7) }))?.changes, []);
    assert.deepEqual((await repo().releaseReservation(id, { now: at(7) }))?.changes, []);
    assert.deepEqual((await repo().expireReservation(id, { now: at(600) }))?.changes, []);
    assert.equal((await repo().findReservation(id))?.status, 'returned');
    assert.deepEqual([await counts(sku), (await repo().findStock(sku))?.version], [[6, 0, 6], version]);
    assert.deepEqual(
      (await returns(sku)).map((entry) => entry.reason),
      ['cancelled'],
    );
  });

  it('20 concurrent returns of one reservation add the stock exactly once', async () => {
    const a = await stocked(repo(), 8, 'a');
    const b = await stocked(repo(), 8, 'b');
    const { id } = await committed(
      aReservation([
        { sku: a, quantity: 5 },
        { sku: b, quantity: 1 },
      ]),
    );
    const results = await Promise.all(
      range(20).map((i) => repo().returnReservation(id, { reason: `cancel #${i}` }, { now: at(5) })),
    );
    assert.equal(results.filter((t) => t?.changes.length).length, 1, 'one return moved stock');
    assert.ok(results.every((t) => t?.reservation.status === 'returned'));
    assert.deepEqual(
      [await counts(a), await counts(b)],
      [
        [8, 0, 8],
        [8, 0, 8],
      ],
    );
    assert.deepEqual([(await returns(a)).length, (await returns(b)).length], [1, 1]);
  });

  it('leaves active, released and expired reservations alone (the use case answers 409 INVENTORY.RESERVATION_NOT_COMMITTED), and knows no unknown one', async () => {
    const sku = await stocked(repo(), 10);
    const active = aReservation([{ sku, quantity: 1 }]);
    const released = aReservation([{ sku, quantity: 2 }]);
    const expired = aReservation([{ sku, quantity: 3 }], { ttlSeconds: 1 });
    for (const request of [active, released, expired]) await repo().reserve(request, { now: T0 });
    await repo().releaseReservation(released.id, { now: at(1) });
    await repo().expireReservation(expired.id, { now: at(1) });
    for (const [request, status] of [
      [active, 'active'],
      [released, 'released'],
      [expired, 'expired'],
    ] as const) {
      const context = recordingContext(at(5));
      const refused = await repo().returnReservation(request.id, { reason: 'x' }, context);
      assert.deepEqual([refused?.reservation.status, refused?.changes, context.calls], [status, [], []]);
      await assert.rejects(
        returnReservation(useCase(), request.id, { reason: 'cancelled' }),
        (error: unknown) =>
          error instanceof AppError &&
          error.kind === 'conflict' &&
          error.code === 'INVENTORY.RESERVATION_NOT_COMMITTED' &&
          error.field === 'id' &&
          error.details?.reservationStatus === status,
      );
    }
    assert.deepEqual([await counts(sku), await returns(sku)], [[10, 1, 9], []]);
    assert.equal(await repo().returnReservation(aSku('nope'), { reason: 'x' }, { now: T0 }), undefined);
    await assert.rejects(returnReservation(useCase(), aSku('nope'), { reason: 'x' }), {
      code: 'INVENTORY.RESERVATION_NOT_FOUND',
    });
  });

  it('the use case returns a committed reservation and answers the same reservation when repeated', async () => {
    const sku = await stocked(repo(), 3);
    const { id } = await committed(aReservation([{ sku, quantity: 3 }]));
    const clock = new ManualClock(at(5));
    const first = await returnReservation(useCase(clock), id, { reason: 'cancelled' });
    clock.advance(1000);
    assert.deepEqual(await returnReservation(useCase(clock), id, { reason: 'cancelled' }), first);
    assert.deepEqual([first.status, await counts(sku)], ['returned', [3, 0, 3]]);
  });

  it('refuses a return that would take a SKU above the maximum, changing nothing (not even the other SKUs)', async () => {
    const small = await stocked(repo(), 5, 'a');
    const full = await stocked(repo(), 5, 'b');
    const { id } = await committed(
      aReservation([
        { sku: small, quantity: 2 },
        { sku: full, quantity: 2 },
      ]),
    );
    await repo().setQuantity(
      { sku: full, quantity: MAX_STOCK_QUANTITY - 1, reason: 'big delivery' },
      { now: at(2) },
    );
    const context = recordingContext(at(5));
    await assert.rejects(
      repo().returnReservation(id, { reason: 'cancelled' }, context),
      (error: unknown) =>
        error instanceof AppError && error.code === 'INVENTORY.QUANTITY_TOO_LARGE' && error.field === 'id',
    );
    assert.equal((await repo().findReservation(id))?.status, 'committed');
    assert.deepEqual(
      [await counts(small), await counts(full)],
      [
        [3, 0, 3],
        [MAX_STOCK_QUANTITY - 1, 0, MAX_STOCK_QUANTITY - 1],
      ],
    );
    assert.deepEqual([await returns(small), await returns(full)], [[], []]);
    await repo().adjust({ sku: full, delta: -10, reason: 'sold elsewhere' }, { now: at(6) });
    assert.equal(
      (await repo().returnReservation(id, { reason: 'cancelled' }, { now: at(7) }))?.reservation.status,
      'returned',
      'a retry once there is room succeeds',
    );
  });
}
