import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NewReservation } from '../../src/domain/reservation.ts';
import type { StepHook } from '../../src/adapters/dynamodb/dynamo-reservations.ts';
import type { DynamoInventoryRepository } from '../../src/adapters/dynamodb/dynamo-inventory-repository.ts';
import { aReservationId, aSku, at, recordingContext, T0 } from '../contract/inventory-fixtures.ts';
import { dynamo, openTestTable, type DynamoTestTable } from './dynamo-test-table.ts';

/** A crash of the writer, thrown from the step hook. */
class SimulatedCrash extends Error {}

const GRACE_MS = 30_000;

/**
 * Reservations of more SKUs than one `TransactWriteItems` takes: made, ended and undone in steps,
 * never leaving stock held by nothing, including when the writer dies half-way.
 */
describe(`DynamoDB reservations in several transactions on ${dynamo.name}`, { skip: dynamo.skip }, () => {
  let table: DynamoTestTable;
  let hook: StepHook | undefined;
  /** Default steps of 98 SKUs (DynamoDB's 100 actions less the reservation and the outbox item). */
  let full: DynamoInventoryRepository;
  /** Steps of 2 SKUs, so that a few SKUs take several steps. */
  let small: DynamoInventoryRepository;
  before(async () => {
    table = await openTestTable();
    const afterStep: StepHook = (operation, step) => hook?.(operation, step);
    full = table.repository({ afterStep });
    small = table.repository({ afterStep, skusPerStep: 2, stepGraceMs: GRACE_MS });
  });
  after(() => table?.drop());

  async function stockedSkus(count: number, quantity: number): Promise<string[]> {
    const skus = Array.from({ length: count }, () => aSku('many'));
    await Promise.all(
      skus.map((sku) => full.setQuantity({ sku, quantity, reason: 'test stock' }, { now: T0 })),
    );
    return skus.sort();
  }
  async function totals(skus: readonly string[]): Promise<{ quantity: number; reserved: number }> {
    const levels = await full.findStocks(skus);
    return levels.reduce(
      (sum, level) => ({ quantity: sum.quantity + level.quantity, reserved: sum.reserved + level.reserved }),
      { quantity: 0, reserved: 0 },
    );
  }
  const reservationOf = (skus: readonly string[], ttlSeconds = 600): NewReservation => ({
    id: aReservationId(),
    items: skus.map((sku) => ({ sku, quantity: 1 })),
    ttlSeconds,
    expiresAt: at(ttlSeconds),
  });

  // The two 150-SKU cases share their SKUs (2 units each): setting 150 SKUs is the slow part on moto.
  let many: string[] = [];
  /** The 150-SKU reservation the second case leaves active. */
  let held: NewReservation | undefined;

  it('reserves and commits 150 SKUs (two transactions each), with every change reported once', async () => {
    many = await stockedSkus(150, 2);
    const skus = many;
    const request = reservationOf(skus);
    const context = recordingContext();
    const outcome = await full.reserve(request, context);
    assert.equal(outcome.status, 'reserved');
    assert.deepEqual(
      context.calls.map((call) => call.length),
      [98, 52],
    );
    assert.deepEqual(await totals(skus), { quantity: 300, reserved: 150 });
    assert.equal((await full.findReservation(request.id))?.items.length, 150);

    const committed = await full.commitReservation(request.id, { now: at(1) });
    assert.equal(committed?.reservation.status, 'committed');
    assert.equal(committed?.changes.length, 150);
    assert.deepEqual(await totals(skus), { quantity: 150, reserved: 0 });
    assert.deepEqual(
      (await full.commitReservation(request.id, { now: at(2) }))?.changes,
      [],
      'a second commit changes nothing',
    );
  });

  it('a shortage found in the second transaction undoes the first: nothing stays reserved, and the id is free again', async () => {
    const skus = many;
    assert.deepEqual(
      await totals(skus),
      { quantity: 150, reserved: 0 },
      'one unit of each left by the commit above',
    );
    const request = reservationOf(skus);
    const taken = skus[120]!;
    // after the first step another writer takes the last unit of a SKU of the second
    hook = async (operation, step) => {
      if (operation === 'reserve' && step === 1)
        await full.adjust({ sku: taken, delta: -1, reason: 'damaged' }, { now: T0 });
    };
    const context = recordingContext();
    try {
      const outcome = await full.reserve(request, context);
      assert.deepEqual(outcome, {
        status: 'insufficient_stock',
        shortages: [{ sku: taken, requested: 1, available: 0 }],
      });
    } finally {
      hook = undefined;
    }
    assert.deepEqual(
      context.calls.map((call) => call.length),
      [98, 98],
      'the first step and its undoing both recorded their changes',
    );
    assert.deepEqual(await totals(skus), { quantity: 149, reserved: 0 });
    assert.equal(await full.findReservation(request.id), undefined);
    await full.adjust({ sku: taken, delta: 1, reason: 'found it' }, { now: T0 });
    assert.equal(
      (await full.reserve(request, { now: T0 })).status,
      'reserved',
      'a failed attempt is not stored',
    );
    held = request;
  });

  it('returns a committed 150-SKU reservation in steps of 49 SKUs (a stock update and a history entry each), every SKU once', async () => {
    assert.ok(held, 'the case above left its reservation active');
    await full.commitReservation(held.id, { now: at(1) });
    assert.deepEqual(await totals(many), { quantity: 0, reserved: 0 });
    const context = recordingContext(at(2));
    const returned = await full.returnReservation(held.id, { reason: 'order cancelled' }, context);
    assert.deepEqual([returned?.reservation.status, returned?.changes.length], ['returned', 150]);
    assert.deepEqual(
      context.calls.map((call) => call.length),
      [49, 49, 49, 3],
    );
    assert.deepEqual(await totals(many), { quantity: 150, reserved: 0 });
    assert.deepEqual(
      (await full.returnReservation(held.id, { reason: 'again' }, { now: at(3) }))?.changes,
      [],
      'a second return changes nothing',
    );
    const [entry] = await full.listAdjustments(many[149]!, 1);
    assert.deepEqual(
      [entry?.kind, entry?.delta, entry?.reason, entry?.reservationId],
      ['return', 1, 'order cancelled', held.id],
    );
  });

  it('a writer that dies half-way through a reservation leaves it to the reaper, which undoes it after the grace period', async () => {
    const skus = await stockedSkus(5, 1);
    const request = reservationOf(skus);
    hook = (operation, step) => {
      if (operation === 'reserve' && step === 2) throw new SimulatedCrash();
    };
    try {
      await assert.rejects(small.reserve(request, { now: T0 }), SimulatedCrash);
    } finally {
      hook = undefined;
    }
    assert.deepEqual(await totals(skus), { quantity: 5, reserved: 4 }, 'two steps of two SKUs were made');
    assert.equal(await small.findReservation(request.id), undefined, 'not a reservation yet');
    await assert.rejects(small.reserve(request, { now: T0 }), { code: 'INVENTORY.RESERVATION_IN_PROGRESS' });

    const graceOver = new Date(T0.getTime() + GRACE_MS);
    assert.ok(
      !(await small.findExpiredReservations(new Date(graceOver.getTime() - 1), 1000)).includes(request.id),
    );
    assert.ok((await small.findExpiredReservations(graceOver, 1000)).includes(request.id));
    assert.equal(await small.expireReservation(request.id, { now: graceOver }), undefined);
    assert.deepEqual(await totals(skus), { quantity: 5, reserved: 0 });
    assert.ok(!(await small.findExpiredReservations(graceOver, 1000)).includes(request.id));
    assert.equal(
      (await small.reserve(request, { now: T0 })).status,
      'reserved',
      'the undone attempt left nothing behind',
    );
  });

  it('an ending interrupted half-way is completed by the next call or by the reaper, and is decided by its first step', async () => {
    const skus = await stockedSkus(10, 1);
    const [first, second] = [reservationOf(skus.slice(0, 5)), reservationOf(skus.slice(5))];
    for (const request of [first, second])
      assert.equal((await small.reserve(request, { now: T0 })).status, 'reserved');
    hook = (operation, step) => {
      if (operation === 'committed' && step === 1) throw new SimulatedCrash();
    };
    try {
      await assert.rejects(small.commitReservation(first.id, { now: at(1) }), SimulatedCrash);
      await assert.rejects(small.commitReservation(second.id, { now: at(1) }), SimulatedCrash);
    } finally {
      hook = undefined;
    }
    assert.equal((await small.findReservation(first.id))?.status, 'committed');
    assert.deepEqual(
      await totals(skus.slice(0, 5)),
      { quantity: 3, reserved: 3 },
      'the first step committed two SKUs',
    );

    const release = await small.releaseReservation(first.id, { now: at(2) });
    assert.deepEqual(
      [release?.reservation.status, release?.changes.length],
      ['committed', 3],
      'the release finished the commit instead',
    );
    assert.deepEqual(await totals(skus.slice(0, 5)), { quantity: 0, reserved: 0 });

    const reaperTime = new Date(at(1).getTime() + GRACE_MS);
    assert.ok((await small.findExpiredReservations(reaperTime, 1000)).includes(second.id));
    const completed = await small.expireReservation(second.id, { now: reaperTime });
    assert.deepEqual([completed?.reservation.status, completed?.changes.length], ['committed', 3]);
    assert.deepEqual(await totals(skus.slice(5)), { quantity: 0, reserved: 0 });
    assert.ok(!(await small.findExpiredReservations(reaperTime, 1000)).includes(second.id));
  });

  it('a return interrupted half-way is decided by its first step and completed by the next call or by the reaper, each SKU once', async () => {
    const skus = await stockedSkus(10, 1);
    const [first, second] = [reservationOf(skus.slice(0, 5)), reservationOf(skus.slice(5))];
    for (const request of [first, second]) {
      assert.equal((await small.reserve(request, { now: T0 })).status, 'reserved');
      assert.equal(
        (await small.commitReservation(request.id, { now: at(1) }))?.reservation.status,
        'committed',
      );
    }
    hook = (operation, step) => {
      if (operation === 'returned' && step === 1) throw new SimulatedCrash();
    };
    try {
      await assert.rejects(
        small.returnReservation(first.id, { reason: 'cancelled', actor: 'u-1' }, { now: at(2) }),
        SimulatedCrash,
      );
      await assert.rejects(
        small.returnReservation(second.id, { reason: 'cancelled', actor: 'u-1' }, { now: at(2) }),
        SimulatedCrash,
      );
    } finally {
      hook = undefined;
    }
    assert.equal((await small.findReservation(first.id))?.status, 'returned');
    assert.deepEqual(
      await totals(skus.slice(0, 5)),
      { quantity: 2, reserved: 0 },
      'the first step returned two SKUs',
    );

    const again = await small.returnReservation(first.id, { reason: 'retried' }, { now: at(3) });
    assert.deepEqual(
      [again?.reservation.status, again?.changes.length],
      ['returned', 3],
      'the next call finished the return',
    );
    assert.deepEqual(await totals(skus.slice(0, 5)), { quantity: 5, reserved: 0 });

    const reaperTime = new Date(at(2).getTime() + GRACE_MS);
    assert.ok((await small.findExpiredReservations(reaperTime, 1000)).includes(second.id));
    const completed = await small.expireReservation(second.id, { now: reaperTime });
    assert.deepEqual([completed?.reservation.status, completed?.changes.length], ['returned', 3]);
    assert.deepEqual(await totals(skus.slice(5)), { quantity: 5, reserved: 0 });
    assert.ok(!(await small.findExpiredReservations(reaperTime, 1000)).includes(second.id));
    for (const sku of skus) {
      const entries = (await small.listAdjustments(sku, 10)).filter((entry) => entry.kind === 'return');
      assert.deepEqual(
        entries.map((entry) => [entry.reason, entry.actor]),
        [['cancelled', 'u-1']],
        `${sku}: returned once, with the first call's reason`,
      );
    }
  });

  it('a commit and a release racing on a reservation of several steps: one ending, stock consistent', async () => {
    const skus = await stockedSkus(6, 1);
    const request = reservationOf(skus);
    await small.reserve(request, { now: T0 });
    const [commit, release] = await Promise.all([
      small.commitReservation(request.id, { now: at(1) }),
      small.releaseReservation(request.id, { now: at(1) }),
    ]);
    const status = commit?.reservation.status;
    assert.equal(release?.reservation.status, status);
    assert.equal((commit?.changes.length ?? 0) + (release?.changes.length ?? 0), 6, 'each SKU moved once');
    assert.deepEqual(
      await totals(skus),
      status === 'committed' ? { quantity: 0, reserved: 0 } : { quantity: 6, reserved: 0 },
    );
  });
});
