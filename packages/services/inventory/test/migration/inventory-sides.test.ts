import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MigrationSide } from '@polyshop/migration';
import { canonicalOf, scanAll } from '@polyshop/migration/testing';
import type { SqlDatabase } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import { DynamoInventorySide } from '../../src/adapters/migration/dynamo-inventory-side.ts';
import { adjustmentRecord, INVENTORY_KINDS } from '../../src/adapters/migration/inventory-migration-kinds.ts';
import {
  migrateInventory,
  PostgresInventorySide,
} from '../../src/adapters/migration/postgres-inventory-side.ts';
import type { DynamoInventoryRepository } from '../../src/adapters/dynamodb/dynamo-inventory-repository.ts';
import { PostgresInventoryRepository } from '../../src/adapters/postgres/postgres-inventory-repository.ts';
import type { InventoryRepository } from '../../src/ports/inventory-repository.ts';
import { aReservation, aSku, at } from '../contract/inventory-fixtures.ts';
import { dynamo, openTestTable, type DynamoTestTable } from '../dynamodb/dynamo-test-table.ts';

/** Copies every kind from `from` to `to` (by version); both then hold the same records, and a second copy writes nothing. */
async function copyAndCompare(from: MigrationSide, to: MigrationSide): Promise<void> {
  for (const kind of INVENTORY_KINDS) {
    const records = await scanAll(from, kind, 2);
    await to.upsertIfNewer(kind, records);
    const copied = await scanAll(to, kind, 2);
    assert.deepEqual(canonicalOf(to, kind, copied), canonicalOf(from, kind, records), kind);
    assert.equal(await to.count(kind), records.length, `${kind} count`);
    assert.equal(await to.lastKey(kind), records.at(-1)?.key, `${kind} last key`);
    assert.deepEqual(await to.upsertIfNewer(kind, records), [], `${kind}: copied again, nothing is written`);
  }
}

async function assertNoOversell(repository: InventoryRepository, skus: readonly string[]): Promise<void> {
  for (const level of await repository.findStocks(skus)) {
    assert.ok(
      level.reserved >= 0 && level.reserved <= level.quantity,
      `${level.sku}: ${JSON.stringify(level)}`,
    );
  }
}

for (const target of postgresTargets()) {
  describe(
    `inventory migration sides: ${target.name} ⇄ dynamodb`,
    { skip: target.skip || dynamo.skip },
    () => {
      let db: SqlDatabase;
      let pg: PostgresInventoryRepository;
      let pgSide: PostgresInventorySide;
      let table: DynamoTestTable;
      let dy: DynamoInventoryRepository;
      let dySide: DynamoInventorySide;

      before(async () => {
        db = await target.open();
        await migrateInventory(db);
        pg = new PostgresInventoryRepository(db);
        pgSide = new PostgresInventorySide(db);
        table = await openTestTable();
        dy = table.repository();
        dySide = new DynamoInventorySide(table.connection.documents, table.tableName);
      });
      after(async () => {
        await table?.drop();
        if (db) await target.close(db);
      });

      it("lists a SKU's history newest stock version first on both stores, whatever order it was copied in", async () => {
        const sku = aSku('history');
        await pg.setQuantity({ sku, quantity: 10, reason: 'initial' }, { now: at(0) });
        await dy.setQuantity({ sku, quantity: 10, reason: 'initial' }, { now: at(0) });
        // entries copied newest first (as a backfill and the router's copies may land them)
        const entry = (version: number) =>
          adjustmentRecord(
            {
              id: `${sku}:${version}`,
              sku,
              kind: 'adjust',
              delta: 1,
              quantityAfter: 10 * version,
              reason: `copy ${version}`,
              at: at(version),
            },
            version,
          );
        for (const version of [4, 3, 2]) {
          assert.deepEqual(await pgSide.upsertIfNewer('adjustments', [entry(version)]), [entry(version).key]);
          assert.deepEqual(await dySide.upsertIfNewer('adjustments', [entry(version)]), [entry(version).key]);
        }
        const newestFirst = [40, 30, 20, 10];
        const listed = async (repository: InventoryRepository) =>
          (await repository.listAdjustments(sku, 10)).map((adjustment) => adjustment.quantityAfter);
        assert.deepEqual(await listed(pg), newestFirst, 'PostgreSQL');
        assert.deepEqual(await listed(dy), newestFirst, 'DynamoDB');
        assert.deepEqual(
          (await pg.listAdjustments(sku, 2)).map((adjustment) => adjustment.quantityAfter),
          [40, 30],
          'PostgreSQL, the newest two',
        );
      });

      it('copies stock (absolute counts by version, sharded SKUs summed), reservations and history both ways', async () => {
        const [a, b] = [aSku('a'), aSku('b')].sort();
        const skus = [a!, b!];
        const ctx = (s: number) => ({ now: at(s) });
        await pg.setQuantity({ sku: a!, quantity: 10, reason: 'initial', actor: 'admin' }, ctx(0));
        await pg.setQuantity({ sku: b!, quantity: 100, reason: 'initial' }, ctx(0));
        await pg.adjust({ sku: a!, delta: 5, reason: 'delivery', actor: 'admin' }, ctx(1));
        const r1 = aReservation(
          [
            { sku: a!, quantity: 2 },
            { sku: b!, quantity: 3 },
          ],
          { now: at(2) },
        );
        const r2 = aReservation([{ sku: b!, quantity: 5 }], { now: at(2) });
        const r3 = aReservation([{ sku: a!, quantity: 1 }], { now: at(2), ttlSeconds: 1 });
        const r4 = aReservation([{ sku: b!, quantity: 7 }], { now: at(3), ttlSeconds: 30 });
        for (const r of [r1, r2, r3]) assert.equal((await pg.reserve(r, ctx(2))).status, 'reserved');
        assert.equal((await pg.reserve(r4, ctx(3))).status, 'reserved');
        await pg.commitReservation(r1.id, ctx(4));
        await pg.releaseReservation(r2.id, ctx(4));
        assert.equal((await pg.expireReservation(r3.id, ctx(5)))?.reservation.status, 'expired');
        await pg.returnReservation(r1.id, { reason: 'order cancelled', actor: 'saga' }, ctx(6));

        // PostgreSQL → DynamoDB
        await copyAndCompare(pgSide, dySide);
        assert.deepEqual(
          (await dy.findStocks(skus)).map(({ sku, quantity, reserved, version }) => ({
            sku,
            quantity,
            reserved,
            version,
          })),
          (await pg.findStocks(skus)).map(({ sku, quantity, reserved, version }) => ({
            sku,
            quantity,
            reserved,
            version,
          })),
        );
        assert.deepEqual(
          (await dy.listAdjustments(a!, 10)).map((entry) => [entry.kind, entry.delta, entry.quantityAfter]),
          (await pg.listAdjustments(a!, 10)).map((entry) => [entry.kind, entry.delta, entry.quantityAfter]),
        );
        // the active reservation is the DynamoDB reaper's at its expiry, once (an expired one is not)
        assert.deepEqual(await dy.findExpiredReservations(at(40), 10), [r4.id]);
        // an older record never overwrites a newer one: a stock version, a reservation's status
        const [stockB] = await pgSide.read('stock', [b!]);
        assert.deepEqual(
          await dySide.upsertIfNewer('stock', [{ ...stockB!, version: stockB!.version - 1 }]),
          [],
        );
        const [expired] = await pgSide.read('reservations', [r3.id]);
        const wasActive = {
          ...expired!,
          version: 1,
          body: { ...(expired!.body as object), status: 'active' },
        };
        assert.deepEqual(await dySide.upsertIfNewer('reservations', [wasActive]), []);
        assert.deepEqual(await pgSide.upsertIfNewer('reservations', [wasActive]), []);
        assert.equal((await dy.findReservation(r3.id))?.status, 'expired');

        // DynamoDB shards the hot SKU and takes writes: its summed version comes back to PostgreSQL
        await dy.setShards({ sku: b!, shards: 4 }, ctx(7));
        const r5 = aReservation([{ sku: b!, quantity: 2 }], { now: at(8) });
        assert.equal((await dy.reserve(r5, ctx(8))).status, 'reserved');
        await dy.commitReservation(r4.id, ctx(9));
        await dy.adjust({ sku: b!, delta: -10, reason: 'damaged' }, ctx(10));
        await copyAndCompare(dySide, pgSide);
        assert.deepEqual(
          (await pg.findStocks(skus)).map(({ quantity, reserved, version }) => ({
            quantity,
            reserved,
            version,
          })),
          (await dy.findStocks(skus)).map(({ quantity, reserved, version }) => ({
            quantity,
            reserved,
            version,
          })),
        );
        assert.equal((await pg.findReservation(r4.id))?.status, 'committed');

        // PostgreSQL writes again: the sharded SKU is written back over its parts as absolute counts
        const r6 = aReservation([{ sku: b!, quantity: 4 }], { now: at(11) });
        assert.equal((await pg.reserve(r6, ctx(11))).status, 'reserved');
        await pg.commitReservation(r5.id, ctx(12));
        await copyAndCompare(pgSide, dySide);
        const shards = (await dy.findShards(b!))!;
        assert.equal(shards.shards, 4);
        const pgB = (await pg.findStock(b!))!;
        assert.equal(
          shards.layout.reduce((sum, part) => sum + part.quantity, 0),
          pgB.quantity,
        );
        assert.equal(
          shards.layout.reduce((sum, part) => sum + part.reserved, 0),
          pgB.reserved,
        );
        assert.ok(shards.layout.every((part) => part.reserved <= part.quantity));
        await assertNoOversell(dy, skus);
        await assertNoOversell(pg, skus);
        // and DynamoDB's own writes go on from there
        assert.equal(
          (await dy.reserve(aReservation([{ sku: b!, quantity: 1 }], { now: at(13) }), ctx(13))).status,
          'reserved',
        );
        await dy.commitReservation(r6.id, ctx(14));
        assert.ok((await dy.findStock(b!))!.version > pgB.version);
        await copyAndCompare(dySide, pgSide);

        // repair: remove, drop
        await dySide.remove('stock', [a!]);
        assert.equal((await dySide.read('stock', [a!])).length, 0);
        await dySide.drop();
        for (const kind of INVENTORY_KINDS) assert.equal(await dySide.count(kind), 0, kind);
        await pgSide.drop();
        for (const kind of INVENTORY_KINDS) assert.equal(await pgSide.count(kind), 0, kind);
      });
    },
  );
}
