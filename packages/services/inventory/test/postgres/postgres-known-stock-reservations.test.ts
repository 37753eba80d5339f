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
import type { InventoryDeps } from '../../src/app/inventory-deps.ts';
import { reserveStock } from '../../src/app/reserve-stock.ts';
import { setStock } from '../../src/app/set-stock.ts';
import { aSku, T0 } from '../contract/inventory-fixtures.ts';

const migrations = fileURLToPath(new URL('../../migrations', import.meta.url));

/** The database, counting the statements and the transactions it runs. */
function counting(db: SqlDatabase): {
  db: SqlDatabase;
  statements: () => number;
  transactions: () => number;
} {
  let statements = 0;
  let transactions = 0;
  const counted = new Proxy(db, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = (value as (...a: unknown[]) => unknown).bind(target);
      if (property === 'transaction') return (...args: unknown[]) => (transactions++, method(...args));
      if (property === 'query' || property === 'execute')
        return (...args: unknown[]) => (statements++, method(...args));
      return method;
    },
  });
  return { db: counted, statements: () => statements, transactions: () => transactions };
}

/**
 * A batch of 1-item reservations on a SKU whose row this process wrote last is one statement
 * (`reserveOnKnownStock`). It must answer, count and record events exactly as the general
 * transaction would, and must not trust a row another process has changed since.
 */
for (const target of postgresTargets()) {
  describe(`one-statement reservations on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let counter: ReturnType<typeof counting>;
    const depsOf = (database: SqlDatabase): InventoryDeps => ({
      repository: new PostgresInventoryRepository(database),
      clock: new ManualClock(T0),
      lowStockThreshold: 2,
      eventsRecorded: () => undefined,
    });
    before(async () => {
      db = await target.open();
      await migrate(db, { schema: INVENTORY_SCHEMA, directory: migrations });
      counter = counting(db);
    });
    after(() => db && target.close(db));

    const outbox = async (sku: string) =>
      (
        await db.query<{ envelope: EventEnvelope }>(
          `SELECT envelope FROM inventory.outbox WHERE aggregate_id = $1 ORDER BY seq`,
          [sku],
        )
      ).map((row) => row.envelope);
    const reserve = (deps: InventoryDeps, sku: string, quantity: number, reservationId = aSku('r')) =>
      reserveStock(deps, { reservationId, items: [{ sku, quantity }], ttlSeconds: 60 });

    it('after its own write, 20 concurrent reservations take one statement and no transaction, with the serial answers and events', async () => {
      const deps = depsOf(counter.db);
      const sku = aSku();
      await setStock(deps, { sku, quantity: 30 });
      const [statements, transactions] = [counter.statements(), counter.transactions()];
      const results = await Promise.all(Array.from({ length: 20 }, () => reserve(deps, sku, 1)));
      assert.equal(counter.transactions() - transactions, 0);
      assert.equal(counter.statements() - statements, 1);
      assert.deepEqual(
        results.map((result) => result.status === 'reserved' && !result.replayed),
        results.map(() => true),
      );
      const changed = (await outbox(sku)).filter((event) => event.type === 'inventory.changed');
      assert.deepEqual(
        changed.map((event) => event.data),
        Array.from({ length: 21 }, (_, i) => ({
          sku,
          quantity: 30,
          reserved: i,
          available: 30 - i,
          inStock: true,
          version: i + 1,
        })),
      );
      const stock = await deps.repository.findStock(sku);
      assert.deepEqual([stock?.reserved, stock?.version], [20, 21]);
    });

    it('a row another process changed since is not trusted: the answer and events come from the current row', async () => {
      const [mine, theirs] = [depsOf(counter.db), depsOf(db)];
      const sku = aSku();
      await setStock(mine, { sku, quantity: 10 });
      assert.equal((await reserve(theirs, sku, 4)).status, 'reserved');
      const refused = await reserve(mine, sku, 7);
      assert.deepEqual(refused.status === 'insufficient_stock' && refused.shortages, [
        { sku, requested: 7, available: 6 },
      ]);
      assert.equal((await reserve(mine, sku, 6)).status, 'reserved');
      const last = (await outbox(sku)).filter((event) => event.type === 'inventory.changed').at(-1);
      assert.deepEqual(last?.data, {
        sku,
        quantity: 10,
        reserved: 10,
        available: 0,
        inStock: false,
        version: 3,
      });
    });

    it('an id that exists answers `exists` and takes nothing, on a known row too', async () => {
      const deps = depsOf(counter.db);
      const sku = aSku();
      await setStock(deps, { sku, quantity: 5 });
      const first = await reserve(deps, sku, 2, `same-id-${sku}`);
      const again = await reserve(deps, sku, 2, `same-id-${sku}`);
      assert.deepEqual(
        [first, again].map((result) => result.status === 'reserved' && result.replayed),
        [false, true],
      );
      const stock = await deps.repository.findStock(sku);
      assert.deepEqual([stock?.reserved, stock?.version], [2, 2]);
    });
  });
}
