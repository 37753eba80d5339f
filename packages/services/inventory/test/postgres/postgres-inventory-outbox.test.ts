import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ManualClock, type EventEnvelope } from '@polyshop/kernel';
import { migrate, type SqlDatabase } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import {
  INVENTORY_SCHEMA,
  PostgresInventoryRepository,
} from '../../src/adapters/postgres/postgres-inventory-repository.ts';
import { adjustStock } from '../../src/app/adjust-stock.ts';
import { expireReservations } from '../../src/app/expire-reservations.ts';
import type { InventoryDeps } from '../../src/app/inventory-deps.ts';
import { commitReservation } from '../../src/app/commit-reservation.ts';
import { reserveStock } from '../../src/app/reserve-stock.ts';
import { returnReservation } from '../../src/app/return-reservation.ts';
import { setStock } from '../../src/app/set-stock.ts';
import { aReservation, aSku, T0 } from '../contract/inventory-fixtures.ts';

const migrations = fileURLToPath(new URL('../../migrations', import.meta.url));

for (const target of postgresTargets()) {
  describe(`inventory outbox on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let deps: InventoryDeps;
    let clock: ManualClock;
    let wakes = 0;
    before(async () => {
      db = await target.open();
      await migrate(db, { schema: INVENTORY_SCHEMA, directory: migrations });
      clock = new ManualClock(T0);
      deps = {
        repository: new PostgresInventoryRepository(db),
        clock,
        lowStockThreshold: 2,
        eventsRecorded: () => void (wakes += 1),
      };
    });
    after(() => db && target.close(db));

    const outbox = async (sku: string) =>
      (
        await db.query<{ envelope: EventEnvelope }>(
          `SELECT envelope FROM inventory.outbox WHERE aggregate_id = $1 ORDER BY seq`,
          [sku],
        )
      ).map((row) => row.envelope);

    it('writes the events of a change to the outbox in its transaction, and wakes the relay', async () => {
      const sku = aSku();
      const before = wakes;
      await setStock(deps, { sku, quantity: 3 });
      await adjustStock(deps, { sku, delta: -1, reason: 'breakage' });
      const events = await outbox(sku);
      assert.deepEqual(
        events.map((e) => [e.type, e.data]),
        [
          ['inventory.changed', { sku, quantity: 3, reserved: 0, available: 3, inStock: true, version: 1 }],
          ['inventory.changed', { sku, quantity: 2, reserved: 0, available: 2, inStock: true, version: 2 }],
          ['inventory.low', { sku, available: 2, threshold: 2 }],
        ],
      );
      assert.deepEqual(
        events.map((e) => [e.source, e.aggregateType, e.occurredAt]),
        events.map(() => ['inventory', 'inventory', T0.toISOString()]),
      );
      assert.equal(wakes - before, 2);
    });

    it('records nothing for a reservation refused for insufficient stock', async () => {
      const sku = aSku();
      await setStock(deps, { sku, quantity: 1 });
      const recorded = (await outbox(sku)).length;
      const result = await reserveStock(deps, {
        reservationId: aSku('r'),
        items: [{ sku, quantity: 2 }],
        ttlSeconds: 60,
      });
      assert.equal(result.status, 'insufficient_stock');
      assert.equal((await outbox(sku)).length, recorded);
    });

    it('a write whose events cannot be recorded does not happen', async () => {
      const sku = aSku();
      await setStock(deps, { sku, quantity: 5 });
      const failing = { now: T0, events: () => [{ id: 'not-a-uuid' } as EventEnvelope] };
      await assert.rejects(deps.repository.reserve(aReservation([{ sku, quantity: 2 }]), failing));
      await assert.rejects(deps.repository.adjust({ sku, delta: 1, reason: 'x' }, failing));
      const stock = await deps.repository.findStock(sku);
      assert.deepEqual([stock?.quantity, stock?.reserved, stock?.version], [5, 0, 1]);
      assert.equal((await deps.repository.listAdjustments(sku, 10)).length, 1);
    });

    it("a return records each SKU's change in the outbox with the write, correlated to the reservation; if they cannot be recorded nothing is returned", async () => {
      const [a, b] = [aSku('a'), aSku('b')].sort();
      for (const sku of [a!, b!]) await setStock(deps, { sku, quantity: 4 });
      const id = aSku('r');
      await reserveStock(deps, {
        reservationId: id,
        items: [
          { sku: a!, quantity: 1 },
          { sku: b!, quantity: 4 },
        ],
        ttlSeconds: 60,
      });
      await commitReservation(deps, id);
      const failing = { now: T0, events: () => [{ id: 'not-a-uuid' } as EventEnvelope] };
      await assert.rejects(deps.repository.returnReservation(id, { reason: 'cancelled' }, failing));
      assert.equal((await deps.repository.findReservation(id))?.status, 'committed');
      assert.deepEqual(
        (await deps.repository.findStocks([a!, b!])).map((s) => s.quantity),
        [3, 0],
      );
      assert.deepEqual(
        (await deps.repository.listAdjustments(b!, 10)).map((entry) => entry.kind),
        ['set'],
      );

      const before = wakes;
      await returnReservation(deps, id, { reason: 'cancelled' });
      assert.equal(wakes - before, 1);
      const last = async (sku: string) => (await outbox(sku)).at(-1)!;
      assert.deepEqual(
        [await last(a!), await last(b!)].map((e) => [e.type, e.correlationId, e.data]),
        [
          [
            'inventory.changed',
            id,
            { sku: a, quantity: 4, reserved: 0, available: 4, inStock: true, version: 4 },
          ],
          [
            'inventory.changed',
            id,
            { sku: b, quantity: 4, reserved: 0, available: 4, inStock: true, version: 4 },
          ],
        ],
      );
      const recorded = (await outbox(b!)).length;
      await returnReservation(deps, id, { reason: 'cancelled' });
      assert.equal((await outbox(b!)).length, recorded, 'a repeated return records nothing');
    });

    it('expiring reservations emits their stock changes correlated to each reservation', async () => {
      const sku = aSku();
      await setStock(deps, { sku, quantity: 4 });
      const ids = [aSku('r'), aSku('r')];
      for (const id of ids)
        await reserveStock(deps, { reservationId: id, items: [{ sku, quantity: 2 }], ttlSeconds: 5 });
      clock.advance(5_000);
      assert.equal(await expireReservations(deps, 1), 2, 'batches until none is left');
      assert.equal(await expireReservations(deps), 0);
      const expiries = (await outbox(sku)).slice(-2);
      assert.deepEqual(expiries.map((e) => e.correlationId).sort(), [...ids].sort());
      assert.deepEqual(
        expiries.map((e) => (e.data as { reserved: number }).reserved),
        [2, 0],
      );
      clock.set(T0);
    });
  });
}
