import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '@polyshop/kernel';
import type { StockShards } from '../../src/domain/stock-shards.ts';
import type { InventoryRepository, ReserveOutcome } from '../../src/ports/inventory-repository.ts';
import type { StockSharding } from '../../src/ports/stock-sharding.ts';
import { aReservation, aSku, at, recordingContext, stocked, T0 } from './inventory-fixtures.ts';

/** A store with sharded counters: the repository and its sharding port (one object or two). */
export interface ShardedInventoryFixture {
  repository: InventoryRepository;
  sharding: StockSharding;
  close(): Promise<void>;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const statusCount = (outcomes: ReserveOutcome[], status: ReserveOutcome['status']) =>
  outcomes.filter((o) => o.status === status).length;

/** The layout's counts added up: what the SKU's reads must show. */
function totals(shards: StockShards | undefined): number[] | undefined {
  return (
    shards && [
      shards.layout.reduce((sum, s) => sum + s.quantity, 0),
      shards.layout.reduce((sum, s) => sum + s.reserved, 0),
      shards.layout.reduce((sum, s) => sum + s.available, 0),
    ]
  );
}

/**
 * The behaviour of sharded counters for hot SKUs (every adapter with a `StockSharding` port), through
 * the ports only: a sharded SKU behaves as one SKU to every repository call (no oversell, no stock
 * refused that exists, releases, commits, returns, sets and adjustments exact), and its shards are
 * spread, rebalanced and folded back without its counts ever changing. Call inside a `describe`.
 */
export function stockShardingContract(open: () => Promise<ShardedInventoryFixture>): void {
  let fixture: ShardedInventoryFixture | undefined;
  before(async () => {
    fixture = await open();
  });
  after(() => fixture?.close());
  const repo = () => fixture!.repository;
  const sharding = () => fixture!.sharding;
  async function counts(sku: string) {
    const stock = await repo().findStock(sku);
    return stock && [stock.quantity, stock.reserved, stock.available];
  }
  async function sharded(quantity: number, shards: number, label = 'hot'): Promise<string> {
    const sku = await stocked(repo(), quantity, label);
    await sharding().setShards({ sku, shards }, { now: T0 });
    return sku;
  }
  /** Asserts the layout's sums are the SKU's counts, and returns the layout. */
  async function layoutOf(sku: string): Promise<StockShards> {
    const shards = await sharding().findShards(sku);
    assert.ok(shards, `${sku} has a layout`);
    assert.deepEqual(totals(shards), await counts(sku), 'the shards add up to the SKU');
    return shards;
  }

  it('shards a SKU: its available units spread evenly, its counts and reads unchanged, the version higher', async () => {
    const sku = await stocked(repo(), 10);
    await repo().reserve(aReservation([{ sku, quantity: 3 }]), { now: T0 });
    const before = await repo().findStock(sku);
    const shards = await sharding().setShards({ sku, shards: 4 }, { now: at(1) });
    assert.deepEqual(
      shards.layout.map((s) => [s.shard, s.reserved, s.available]),
      [
        [0, 3, 2],
        [1, 0, 2],
        [2, 0, 2],
        [3, 0, 1],
      ],
    );
    const after = await repo().findStock(sku);
    assert.deepEqual([after?.quantity, after?.reserved, after?.available], [10, 3, 7]);
    assert.ok(after!.version > before!.version, 'the version rose');
    assert.deepEqual(await layoutOf(sku), shards);
    assert.deepEqual(
      (await repo().findStocks([sku])).map((s) => [s.quantity, s.reserved, s.available]),
      [[10, 3, 7]],
    );
  });

  it('refuses to shard an unknown SKU; setting the same count again changes nothing', async () => {
    await assert.rejects(
      sharding().setShards({ sku: aSku(), shards: 2 }, { now: T0 }),
      (error: unknown) => error instanceof AppError && error.code === 'INVENTORY.SKU_NOT_FOUND',
    );
    assert.equal(await sharding().findShards(aSku()), undefined);
    const sku = await sharded(9, 3);
    const version = (await repo().findStock(sku))?.version;
    const again = await sharding().setShards({ sku, shards: 3 }, { now: at(1) });
    assert.deepEqual(
      again.layout.map((s) => s.available),
      [3, 3, 3],
    );
    assert.equal((await repo().findStock(sku))?.version, version, 'an even layout is left alone');
  });

  it('2N concurrent 1-unit reservations for N units on 8 shards: exactly N succeed, nothing oversold, reads show it', async () => {
    const units = 40;
    const sku = await sharded(units, 8);
    const outcomes = await Promise.all(
      range(2 * units).map(() => repo().reserve(aReservation([{ sku, quantity: 1 }]), { now: T0 })),
    );
    assert.equal(statusCount(outcomes, 'reserved'), units);
    assert.equal(statusCount(outcomes, 'insufficient_stock'), units);
    for (const outcome of outcomes) {
      if (outcome.status === 'insufficient_stock')
        assert.deepEqual(outcome.shortages, [{ sku, requested: 1, available: 0 }]);
    }
    assert.deepEqual(await counts(sku), [units, units, 0]);
    const layout = await layoutOf(sku);
    assert.ok(layout.layout.every((s) => s.available === 0 && s.reserved === s.quantity));
    // every unit comes back when the holders release
    const held = outcomes.flatMap((o) => (o.status === 'reserved' ? [o.reservation.id] : []));
    await Promise.all(held.map((id) => repo().releaseReservation(id, { now: at(1) })));
    assert.deepEqual(await counts(sku), [units, 0, units]);
    await layoutOf(sku);
  });

  it('never refuses stock that exists: a reservation larger than any one shard takes several', async () => {
    const sku = await sharded(8, 4);
    const outcome = await repo().reserve(aReservation([{ sku, quantity: 7 }]), { now: T0 });
    assert.equal(outcome.status, 'reserved');
    assert.deepEqual(await counts(sku), [8, 7, 1]);
    const short = await repo().reserve(aReservation([{ sku, quantity: 2 }]), { now: T0 });
    assert.deepEqual(short.status === 'insufficient_stock' && short.shortages, [
      { sku, requested: 2, available: 1 },
    ]);
    assert.equal(
      (await repo().reserve(aReservation([{ sku, quantity: 1 }]), { now: T0 })).status,
      'reserved',
    );
    assert.deepEqual(await counts(sku), [8, 8, 0]);
  });

  it('a reservation reports the counts it moved; commit, expiry and release give units back to a shard', async () => {
    const sku = await sharded(12, 3);
    const context = recordingContext(T0);
    const first = aReservation([{ sku, quantity: 2 }], { ttlSeconds: 10 });
    const reserved = await repo().reserve(first, context);
    assert.equal(reserved.status, 'reserved');
    const [change] = reserved.status === 'reserved' ? reserved.changes : [];
    assert.deepEqual(change?.before, { quantity: 12, reserved: 0, available: 12 });
    assert.deepEqual([change?.after.quantity, change?.after.reserved, change?.after.available], [12, 2, 10]);
    assert.deepEqual(context.calls, [[change]]);
    const second = aReservation([{ sku, quantity: 3 }]);
    const third = aReservation([{ sku, quantity: 4 }]);
    await repo().reserve(second, { now: T0 });
    await repo().reserve(third, { now: T0 });
    assert.deepEqual(await counts(sku), [12, 9, 3]);

    const committed = await repo().commitReservation(second.id, { now: at(1) });
    assert.equal(committed?.reservation.status, 'committed');
    assert.deepEqual(await counts(sku), [9, 6, 3]);
    await repo().expireReservation(first.id, { now: at(10) });
    assert.deepEqual(await counts(sku), [9, 4, 5]);
    await repo().releaseReservation(third.id, { now: at(11) });
    assert.deepEqual(await counts(sku), [9, 0, 9]);
    await layoutOf(sku);

    const returned = await repo().returnReservation(second.id, { reason: 'cancelled' }, { now: at(12) });
    assert.equal(returned?.reservation.status, 'returned');
    assert.deepEqual(await counts(sku), [12, 0, 12]);
    const [entry] = await repo().listAdjustments(sku, 1);
    assert.deepEqual(
      [entry?.kind, entry?.delta, entry?.quantityAfter, entry?.reservationId],
      ['return', 3, 12, second.id],
    );
  });

  it('sets and adjustments spread over the shards, exactly, and refuse what they refuse unsharded', async () => {
    const sku = await sharded(10, 4);
    await repo().reserve(aReservation([{ sku, quantity: 6 }]), { now: T0 });
    await assert.rejects(
      repo().setQuantity({ sku, quantity: 5, reason: 'x' }, { now: at(1) }),
      (error: unknown) => error instanceof AppError && error.code === 'INVENTORY.BELOW_RESERVED',
    );
    const before = await repo().findStock(sku);
    const set = await repo().setQuantity({ sku, quantity: 26, reason: 'delivery' }, { now: at(2) });
    assert.deepEqual(set.before, { quantity: 10, reserved: 6, available: 4 });
    assert.deepEqual([set.after.quantity, set.after.reserved, set.after.available], [26, 6, 20]);
    const read = await repo().findStock(sku);
    assert.deepEqual(read, set.after, 'the change reports the exact counts and version');
    assert.ok(read.version > before!.version);
    assert.deepEqual(
      (await layoutOf(sku)).layout.map((s) => s.available),
      [5, 5, 5, 5],
    );
    const adjusted = await repo().adjust({ sku, delta: -19, reason: 'damaged' }, { now: at(3) });
    assert.deepEqual([adjusted.after.quantity, adjusted.after.available], [7, 1]);
    await assert.rejects(
      repo().adjust({ sku, delta: -2, reason: 'x' }, { now: at(4) }),
      (error: unknown) => error instanceof AppError && error.code === 'INVENTORY.BELOW_RESERVED',
    );
    const history = await repo().listAdjustments(sku, 10);
    assert.deepEqual(
      history.slice(0, 2).map((e) => [e.kind, e.delta, e.quantityAfter]),
      [
        ['adjust', -19, 7],
        ['set', 16, 26],
      ],
    );
    await layoutOf(sku);
  });

  it('an adjustment and a set land exactly while reservations run on every shard', async () => {
    const sku = await sharded(30, 8);
    const outcomes = await Promise.all([
      ...range(30).map(() => repo().reserve(aReservation([{ sku, quantity: 1 }]), { now: T0 })),
      repo()
        .adjust({ sku, delta: 10, reason: 'delivery' }, { now: T0 })
        .then(() => undefined),
    ]);
    assert.equal(outcomes.filter((o) => o?.status === 'reserved').length, 30);
    assert.deepEqual(await counts(sku), [40, 30, 10]);
    const [entry] = await repo().listAdjustments(sku, 1);
    assert.deepEqual([entry?.kind, entry?.delta, entry?.quantityAfter], ['adjust', 10, 40]);
    await layoutOf(sku);
  });

  it('rebalancing evens the shards and keeps the counts, also while reservations run', async () => {
    const sku = await sharded(64, 4);
    // 1-unit reservations from random shards leave them uneven
    await Promise.all(range(30).map(() => repo().reserve(aReservation([{ sku, quantity: 1 }]), { now: T0 })));
    const moved = await sharding().rebalance(sku, { now: at(1) });
    const available = moved!.layout.map((s) => s.available);
    assert.ok(Math.max(...available) - Math.min(...available) <= 1, `even: ${available.join(',')}`);
    assert.deepEqual(totals(moved), [64, 30, 34]);
    assert.deepEqual(await layoutOf(sku), moved);

    const outcomes = await Promise.all([
      ...range(40).map(() => repo().reserve(aReservation([{ sku, quantity: 1 }]), { now: at(2) })),
      ...range(5).map(() =>
        sharding()
          .rebalance(sku, { now: at(2) })
          .then(() => undefined),
      ),
    ]);
    const reserved = outcomes.filter((o) => o?.status === 'reserved').length;
    assert.equal(reserved, 34, 'exactly the available units were reserved');
    assert.deepEqual(await counts(sku), [64, 64, 0]);
    await layoutOf(sku);
  });

  it('folds back to one counter (shards: 1) with reservations held, which still release and commit', async () => {
    const sku = await sharded(20, 5);
    const held = range(6).map(() => aReservation([{ sku, quantity: 2 }]));
    for (const request of held) await repo().reserve(request, { now: T0 });
    const folded = await sharding().setShards({ sku, shards: 1 }, { now: at(1) });
    assert.deepEqual(folded.layout, [{ shard: 0, quantity: 20, reserved: 12, available: 8 }]);
    assert.deepEqual(await counts(sku), [20, 12, 8]);
    await repo().releaseReservation(held[0]!.id, { now: at(2) });
    await repo().commitReservation(held[1]!.id, { now: at(2) });
    assert.deepEqual(await counts(sku), [18, 8, 10]);
    // and sharded again, the held units stay where they are and still come back
    await sharding().setShards({ sku, shards: 3 }, { now: at(3) });
    await Promise.all(held.slice(2).map((r) => repo().releaseReservation(r.id, { now: at(4) })));
    assert.deepEqual(await counts(sku), [18, 0, 18]);
    assert.deepEqual(
      (await layoutOf(sku)).layout.map((s) => s.reserved),
      [0, 0, 0],
    );
  });

  it('changing the shard count while reservations run oversells nothing and loses no unit', async () => {
    const sku = await sharded(50, 2);
    const outcomes = await Promise.all([
      ...range(80).map(() => repo().reserve(aReservation([{ sku, quantity: 1 }]), { now: T0 })),
      ...[8, 3, 1, 6].map((shards) =>
        sharding()
          .setShards({ sku, shards }, { now: T0 })
          .then(() => undefined),
      ),
    ]);
    assert.equal(outcomes.filter((o) => o?.status === 'reserved').length, 50);
    assert.deepEqual(await counts(sku), [50, 50, 0]);
    await layoutOf(sku);
  });
}
