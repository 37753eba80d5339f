import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { ReservationItem } from '../../src/domain/reservation.ts';
import type { InventoryRepository, ReserveOutcome } from '../../src/ports/inventory-repository.ts';
import { aReservation, at, stocked, T0 } from './inventory-fixtures.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const statusCount = (outcomes: ReserveOutcome[], status: ReserveOutcome['status']) =>
  outcomes.filter((o) => o.status === status).length;

/** Many writers at once: no oversell, no deadlock, totals that add up. */
export function concurrencyCases(repo: () => InventoryRepository): void {
  it('1,000 concurrent reservations of 1 unit against 100 available: exactly 100 succeed, available ends at 0', async () => {
    const sku = await stocked(repo(), 100, 'hot');
    const outcomes = await Promise.all(
      range(1000).map(() => repo().reserve(aReservation([{ sku, quantity: 1 }]), { now: T0 })),
    );
    const reserved = outcomes.flatMap((o) => (o.status === 'reserved' ? o.changes : []));
    assert.equal(reserved.length, 100);
    assert.equal(statusCount(outcomes, 'insufficient_stock'), 900);
    for (const outcome of outcomes) {
      if (outcome.status === 'insufficient_stock')
        assert.deepEqual(outcome.shortages, [{ sku, requested: 1, available: 0 }]);
    }
    // Each success saw a distinct state: availability went 99, 98, … 0 and never below.
    assert.deepEqual(
      reserved.map((c) => c.after.available).sort((x, y) => x - y),
      range(100),
    );
    const stock = await repo().findStock(sku);
    assert.deepEqual(
      [stock?.quantity, stock?.reserved, stock?.available, stock?.version],
      [100, 100, 0, 101],
    );
  });

  it('multi-SKU reservations from many clients in opposite SKU orders, with commits and releases: no error, consistent totals', async () => {
    const skus = [
      await stocked(repo(), 60, 'a'),
      await stocked(repo(), 60, 'b'),
      await stocked(repo(), 60, 'c'),
    ];
    const items = (i: number): ReservationItem[] => {
      const ordered = skus.map((sku) => ({ sku, quantity: 1 }));
      return i % 2 === 0 ? ordered : ordered.reverse();
    };
    const first = await Promise.all(
      range(200).map((i) => repo().reserve(aReservation(items(i)), { now: T0 })),
    );
    assert.equal(statusCount(first, 'reserved'), 60);
    assert.equal(statusCount(first, 'insufficient_stock'), 140);
    for (const sku of skus) assert.deepEqual((await repo().findStock(sku))?.reserved, 60);

    // Half the holders commit, half release, while 100 more clients compete for the released units.
    const holders = first.flatMap((o) => (o.status === 'reserved' ? [o.reservation.id] : []));
    const ends = holders.map((id, i) =>
      i % 2 === 0
        ? repo().commitReservation(id, { now: at(1) })
        : repo().releaseReservation(id, { now: at(1) }),
    );
    const more = range(100).map((i) => repo().reserve(aReservation(items(i + 1)), { now: at(1) }));
    const [ended, second] = await Promise.all([Promise.all(ends), Promise.all(more)]);
    assert.deepEqual(
      ended.map((t) => t?.changes.length),
      holders.map(() => 3),
    );
    const won = statusCount(second, 'reserved');
    assert.ok(won <= 30, `at most the 30 released units were reserved again (got ${won})`);
    for (const sku of skus) {
      const stock = await repo().findStock(sku);
      assert.deepEqual([stock?.quantity, stock?.reserved, stock?.available], [30, won, 30 - won], sku);
    }
  });

  it('concurrent reserves with one id reserve once; concurrent commits of one reservation commit once', async () => {
    const sku = await stocked(repo(), 10);
    const request = aReservation([{ sku, quantity: 3 }]);
    const outcomes = await Promise.all(range(20).map(() => repo().reserve(request, { now: T0 })));
    assert.deepEqual([statusCount(outcomes, 'reserved'), statusCount(outcomes, 'exists')], [1, 19]);
    const commits = await Promise.all(
      range(10).map(() => repo().commitReservation(request.id, { now: at(1) })),
    );
    assert.equal(commits.filter((t) => t?.changes.length).length, 1);
    assert.ok(commits.every((t) => t?.reservation.status === 'committed'));
    const stock = await repo().findStock(sku);
    assert.deepEqual([stock?.quantity, stock?.reserved], [7, 0]);
  });

  it('a commit racing a release and an expiry: exactly one wins and the stock matches it', async () => {
    const sku = await stocked(repo(), 10);
    const request = aReservation([{ sku, quantity: 4 }], { ttlSeconds: 1 });
    await repo().reserve(request, { now: T0 });
    const results = await Promise.all([
      repo().commitReservation(request.id, { now: T0 }),
      repo().releaseReservation(request.id, { now: T0 }),
      repo().expireReservation(request.id, { now: at(1) }),
    ]);
    const winners = results.filter((t) => t?.changes.length);
    assert.equal(winners.length, 1);
    const status = winners[0]!.reservation.status;
    assert.ok(results.every((t) => t?.reservation.status === status));
    const stock = await repo().findStock(sku);
    assert.deepEqual([stock?.quantity, stock?.reserved], status === 'committed' ? [6, 0] : [10, 0]);
  });
}
