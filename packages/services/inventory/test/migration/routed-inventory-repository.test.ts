import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MovableStores, type Phase } from '@polyshop/migration';
import type { SqlDatabase } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import type { DynamoInventoryRepository } from '../../src/adapters/dynamodb/dynamo-inventory-repository.ts';
import { DynamoInventorySide } from '../../src/adapters/migration/dynamo-inventory-side.ts';
import {
  migrateInventory,
  PostgresInventorySide,
} from '../../src/adapters/migration/postgres-inventory-side.ts';
import {
  RoutedInventoryRepository,
  RoutedStockSharding,
  type OpenInventoryStore,
} from '../../src/adapters/migration/routed-inventory-repository.ts';
import { PostgresInventoryRepository } from '../../src/adapters/postgres/postgres-inventory-repository.ts';
import { aReservation, aSku, at } from '../contract/inventory-fixtures.ts';
import { dynamo, openTestTable, type DynamoTestTable } from '../dynamodb/dynamo-test-table.ts';

const SERVICE = 'inventory';
const [pglite] = postgresTargets();

describe('routed inventory repository: pglite → dynamodb', { skip: dynamo.skip }, () => {
  let db: SqlDatabase;
  let table: DynamoTestTable;
  let pg: PostgresInventoryRepository;
  let dy: DynamoInventoryRepository;
  let stores: MovableStores<OpenInventoryStore>;
  let repository: RoutedInventoryRepository;

  before(async () => {
    db = await pglite!.open();
    await migrateInventory(db);
    table = await openTestTable();
    pg = new PostgresInventoryRepository(db);
    dy = table.repository();
    const dySide = new DynamoInventorySide(table.connection.documents, table.tableName);
    stores = await MovableStores.open<OpenInventoryStore>({
      service: SERVICE,
      control: db,
      configuredStore: 'postgres',
      refreshMs: 60_000,
      openStore: (store) =>
        Promise.resolve(
          store === 'postgres'
            ? { repository: pg, side: new PostgresInventorySide(db), ping: () => db.ping() }
            : { repository: dy, sharding: dy, side: dySide, ping: () => Promise.resolve() },
        ),
    });
    repository = new RoutedInventoryRepository(stores);
  });
  after(async () => {
    await stores?.stop();
    await table?.drop();
    if (db) await pglite!.close(db);
  });

  async function moveTo(phase: Phase): Promise<void> {
    for (let current = (await stores.state.require(SERVICE)).phase; current !== phase;) {
      current = (await stores.state.advance(SERVICE, current)).phase;
    }
    await stores.router.refresh();
  }

  it('writes on the source of truth and copies by version; the reaper asks the source of truth only; a sharded SKU comes back summed', async () => {
    const sku = aSku('hot');
    const ctx = (s: number) => ({ now: at(s) });
    await repository.setQuantity({ sku, quantity: 20, reason: 'initial' }, ctx(0));
    assert.equal(await dy.findStock(sku), undefined, 'idle: PostgreSQL only');
    await stores.state.start(SERVICE, 'postgres', 'dynamodb');
    await moveTo('dual-write');
    // what the backfill does: the records from before dual-write
    const pgSide = new PostgresInventorySide(db);
    const dyBackfill = new DynamoInventorySide(table.connection.documents, table.tableName);
    for (const kind of pgSide.kinds)
      await dyBackfill.upsertIfNewer(kind, await pgSide.scan(kind, undefined, 100));
    const short = aReservation([{ sku, quantity: 3 }], { now: at(1), ttlSeconds: 1 });
    assert.equal((await repository.reserve(short, ctx(1))).status, 'reserved');
    assert.equal((await dy.findStock(sku))?.reserved, 3, 'the reservation reached DynamoDB');
    assert.equal((await dy.findReservation(short.id))?.status, 'active');

    await moveTo('read-switch');
    // a due reservation only DynamoDB holds (not the source of truth) is not the reaper's
    const dySide = new DynamoInventorySide(table.connection.documents, table.tableName);
    const stray = {
      ...aReservation([{ sku, quantity: 1 }], { now: at(1), ttlSeconds: 1 }),
      status: 'active',
    };
    await dySide.upsertIfNewer('reservations', [
      { key: stray.id, version: 1, body: { ...stray, createdAt: at(1), updatedAt: at(1) } },
    ]);
    assert.deepEqual(await repository.findExpiredReservations(at(5), 10), [short.id]);
    await dySide.remove('reservations', [stray.id]);
    const expired = await repository.expireReservation(short.id, ctx(5));
    assert.equal(expired?.reservation.status, 'expired');
    assert.equal((await dy.findReservation(short.id))?.status, 'expired', 'the expiry copied');
    assert.equal((await repository.expireReservation(short.id, ctx(6)))?.changes.length, 0, 'expired once');
    assert.equal((await pg.findStock(sku))?.reserved, 0);

    await moveTo('write-switch');
    assert.equal(stores.describe().writes, 'dynamodb');
    // now DynamoDB's due reservations are the reaper's
    const late = aReservation([{ sku, quantity: 1 }], { now: at(5), ttlSeconds: 1 });
    assert.equal((await repository.reserve(late, ctx(5))).status, 'reserved');
    assert.deepEqual(await repository.findExpiredReservations(at(7), 10), [late.id]);
    await repository.expireReservation(late.id, ctx(7));
    assert.equal((await pg.findReservation(late.id))?.status, 'expired');
    // the hot SKU is sharded on DynamoDB; its writes reach PostgreSQL as the summed counts and version
    const sharding = new RoutedStockSharding(repository);
    await sharding.setShards({ sku, shards: 4 }, ctx(6));
    const held = aReservation([{ sku, quantity: 5 }], { now: at(7) });
    assert.equal((await repository.reserve(held, ctx(7))).status, 'reserved');
    const committed = aReservation([{ sku, quantity: 2 }], { now: at(7) });
    assert.equal((await repository.reserve(committed, ctx(7))).status, 'reserved');
    await repository.commitReservation(committed.id, ctx(8));
    await repository.adjust({ sku, delta: 4, reason: 'delivery' }, ctx(9));
    // concurrent adjustments of the hot SKU: each one's history entry reaches PostgreSQL
    await Promise.all(
      [1, 2, 3, 4].map((i) => repository.adjust({ sku, delta: 1, reason: `count ${i}` }, ctx(10))),
    );
    const onDynamo = (await dy.findStock(sku))!;
    const onPostgres = (await pg.findStock(sku))!;
    assert.deepEqual(
      { quantity: onPostgres.quantity, reserved: onPostgres.reserved, version: onPostgres.version },
      { quantity: onDynamo.quantity, reserved: onDynamo.reserved, version: onDynamo.version },
    );
    assert.deepEqual(
      { quantity: onPostgres.quantity, reserved: onPostgres.reserved },
      { quantity: 26, reserved: 5 },
    );
    assert.equal((await pg.findReservation(committed.id))?.status, 'committed');
    assert.deepEqual(
      (await pg.listAdjustments(sku, 10))
        .map((entry) => `${entry.kind} ${entry.delta} ${entry.reason}`)
        .sort(),
      (await dy.listAdjustments(sku, 10))
        .map((entry) => `${entry.kind} ${entry.delta} ${entry.reason}`)
        .sort(),
    );
    assert.equal((await sharding.findShards(sku))?.shards, 4);
  });
});
