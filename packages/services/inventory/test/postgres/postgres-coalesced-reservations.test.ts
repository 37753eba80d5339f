import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { migrate, type SqlDatabase } from '@polyshop/stores';
import { postgresTargets } from '@polyshop/testing';
import {
  INVENTORY_SCHEMA,
  PostgresInventoryRepository,
} from '../../src/adapters/postgres/postgres-inventory-repository.ts';
import type { ReserveOutcome } from '../../src/ports/inventory-repository.ts';
import { aReservation, aSku, recordingContext, stocked, T0 } from '../contract/inventory-fixtures.ts';

const migrations = fileURLToPath(new URL('../../migrations', import.meta.url));

/** The database, counting the transactions it runs. */
function countingTransactions(db: SqlDatabase): { db: SqlDatabase; count: () => number } {
  let transactions = 0;
  const counted = new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'transaction') {
        return (...args: Parameters<SqlDatabase['transaction']>) => {
          transactions += 1;
          return target.transaction(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: counted, count: () => transactions };
}

const statuses = (outcomes: ReserveOutcome[]) => outcomes.map((outcome) => outcome.status);

/**
 * PostgreSQL coalesces concurrent reservations of the same SKUs into one transaction. Each request must
 * still get what it would get if the requests had run one after another in arrival order.
 */
for (const target of postgresTargets()) {
  describe(`coalesced reservations on ${target.name}`, { skip: target.skip }, () => {
    let db: SqlDatabase;
    let counter: ReturnType<typeof countingTransactions>;
    let repository: PostgresInventoryRepository;
    before(async () => {
      db = await target.open();
      await migrate(db, { schema: INVENTORY_SCHEMA, directory: migrations });
      counter = countingTransactions(db);
      repository = new PostgresInventoryRepository(counter.db);
    });
    after(() => db && target.close(db));

    it('200 concurrent 1-unit reservations of one SKU share a handful of transactions, and each gets its own answer', async () => {
      const sku = await stocked(repository, 150);
      const start = counter.count();
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, () =>
          repository.reserve(aReservation([{ sku, quantity: 1 }]), { now: T0 }),
        ),
      );
      const transactions = counter.count() - start;
      assert.ok(transactions <= 10, `200 reservations ran in ${transactions} transactions`);
      // Arrival order decides: the first 150 get a unit, the last 50 are refused.
      assert.deepEqual(statuses(outcomes), [
        ...Array<string>(150).fill('reserved'),
        ...Array<string>(50).fill('insufficient_stock'),
      ]);
      const availableAfter = outcomes.flatMap((o) => (o.status === 'reserved' ? [o.changes[0]!.after] : []));
      assert.deepEqual(
        availableAfter.map((level) => [level.available, level.version]),
        availableAfter.map((_, i) => [149 - i, i + 2]),
      );
      const stock = await repository.findStock(sku);
      assert.deepEqual([stock?.reserved, stock?.available, stock?.version], [150, 0, 151]);
    });

    it('allocates in arrival order when the batch does not fit: a large request refused, a later small one accepted', async () => {
      const sku = await stocked(repository, 5);
      const sizes = [3, 3, 2, 1];
      const requests = sizes.map((quantity) => aReservation([{ sku, quantity }]));
      const outcomes = await Promise.all(requests.map((r) => repository.reserve(r, { now: T0 })));
      assert.deepEqual(statuses(outcomes), [
        'reserved',
        'insufficient_stock',
        'reserved',
        'insufficient_stock',
      ]);
      assert.deepEqual(outcomes[1], {
        status: 'insufficient_stock',
        shortages: [{ sku, requested: 3, available: 2 }],
      });
      assert.deepEqual(outcomes[3], {
        status: 'insufficient_stock',
        shortages: [{ sku, requested: 1, available: 0 }],
      });
      // Refused reservations leave no row: a retry is evaluated afresh.
      assert.equal(await repository.findReservation(requests[1]!.id), undefined);
      assert.equal((await repository.findReservation(requests[2]!.id))?.status, 'active');
      const stock = await repository.findStock(sku);
      assert.deepEqual([stock?.quantity, stock?.reserved, stock?.version], [5, 5, 3]);
    });

    it('multi-SKU requests in one batch are all-or-nothing: a short SKU refuses the whole request, its other SKU is not held', async () => {
      const [a, b] = [await stocked(repository, 10, 'a'), await stocked(repository, 1, 'b')];
      const items = [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 1 },
      ];
      const contexts = [0, 1, 2].map(() => recordingContext(T0));
      const outcomes = await Promise.all(
        contexts.map((context) => repository.reserve(aReservation(items), context)),
      );
      assert.deepEqual(statuses(outcomes), ['reserved', 'insufficient_stock', 'insufficient_stock']);
      assert.deepEqual(
        (await repository.findStocks([a, b])).map((s) => s.reserved),
        [2, 1],
      );
      // Events only for the accepted request, with each SKU's own before and after.
      assert.deepEqual(
        contexts.map((c) => c.calls.length),
        [1, 0, 0],
      );
      assert.deepEqual(
        contexts[0]!.calls[0]!.map((change) => [change.sku, change.before?.reserved, change.after.reserved]),
        [
          [a, 0, 2],
          [b, 0, 1],
        ],
      );
    });

    it('the same reservation id twice at once: one reserves, the other finds it (never two holds)', async () => {
      const sku = await stocked(repository, 10);
      const first = aReservation([{ sku, quantity: 2 }]);
      const other = aReservation([{ sku, quantity: 1 }]);
      const outcomes = await Promise.all(
        [first, other, first, first].map((r) => repository.reserve(r, { now: T0 })),
      );
      assert.deepEqual(statuses(outcomes), ['reserved', 'reserved', 'exists', 'exists']);
      assert.equal((await repository.findStock(sku))?.reserved, 3);
    });

    it('an unknown SKU in a batch is a shortage with 0 available, and a known one beside it is unaffected', async () => {
      const known = await stocked(repository, 3);
      const unknown = aSku('missing');
      const outcomes = await Promise.all([
        repository.reserve(aReservation([{ sku: unknown, quantity: 1 }]), { now: T0 }),
        repository.reserve(aReservation([{ sku: unknown, quantity: 1 }]), { now: T0 }),
        repository.reserve(aReservation([{ sku: known, quantity: 3 }]), { now: T0 }),
      ]);
      assert.deepEqual(statuses(outcomes), ['insufficient_stock', 'insufficient_stock', 'reserved']);
      assert.deepEqual(outcomes[0], {
        status: 'insufficient_stock',
        shortages: [{ sku: unknown, requested: 1, available: 0 }],
      });
    });
  });
}
