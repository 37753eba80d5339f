import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalOf, scanAll } from '@polyshop/migration/testing';
import type { DynamoConnection } from '@polyshop/stores';
import type { DynamoInventoryRepository } from '../../src/adapters/dynamodb/dynamo-inventory-repository.ts';
import { DynamoInventorySide } from '../../src/adapters/migration/dynamo-inventory-side.ts';
import { INVENTORY_KINDS } from '../../src/adapters/migration/inventory-migration-kinds.ts';
import { aReservation, at, stocked } from '../contract/inventory-fixtures.ts';
import { dynamo, openTestTable, type DynamoTestTable } from '../dynamodb/dynamo-test-table.ts';

const SKUS = 12;

/** The write requests sent on a connection, by command name (a middleware on its document client). */
function countWrites(connection: DynamoConnection): Map<string, number> {
  const writes = new Map<string, number>();
  connection.documents.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '';
      if (/^(Put|Update|Delete|BatchWrite|TransactWrite)(Item|Items)?Command$/.test(name)) {
        writes.set(name, (writes.get(name) ?? 0) + 1);
      }
      return next(args);
    },
    { step: 'initialize', name: 'countWrites' },
  );
  return writes;
}

/**
 * The DynamoDB side writes a batch as transactions of its records' conditional writes (one round trip
 * per 100 records, each write keeping its version condition); when a record's condition fails, its
 * transaction writes nothing and the others are written one by one — an older record never overwrites
 * a newer one, and the keys answered are exactly those written.
 */
describe('the DynamoDB inventory side, writing a batch', { skip: dynamo.skip }, () => {
  let source: DynamoTestTable;
  let target: DynamoTestTable;
  let dy: DynamoInventoryRepository;
  let from: DynamoInventorySide;
  let to: DynamoInventorySide;
  let writes: Map<string, number>;
  const skus: string[] = [];
  const reservations: string[] = [];

  before(async () => {
    [source, target] = [await openTestTable(), await openTestTable()];
    dy = source.repository();
    from = new DynamoInventorySide(source.connection.documents, source.tableName);
    to = new DynamoInventorySide(target.connection.documents, target.tableName);
    writes = countWrites(target.connection);
    for (let i = 0; i < SKUS; i++) skus.push(await stocked(dy, 100, 'batch'));
    for (const sku of skus) {
      const reservation = aReservation([{ sku, quantity: 1 }], { now: at(1) });
      assert.equal((await dy.reserve(reservation, { now: at(1) })).status, 'reserved');
      reservations.push(reservation.id);
    }
  });
  after(async () => {
    await source?.drop();
    await target?.drop();
  });

  it('copies a batch in one transaction; a batch with records as new or older writes only the newer', async () => {
    for (const kind of INVENTORY_KINDS) {
      const records = await scanAll(from, kind, 100);
      assert.ok(records.length >= SKUS, `${kind}: ${records.length} records`);
      writes.clear();
      assert.deepEqual(
        await to.upsertIfNewer(kind, records),
        records.map((record) => record.key),
      );
      assert.deepEqual([...writes], [['TransactWriteItemsCommand', 1]], `${kind}: one round trip`);
    }

    // the source moves on for one SKU and one reservation; the batch also lists the reservation's
    // older copy after its newer one
    const [stale] = await from.read('reservations', [reservations[0]!]);
    await dy.adjust({ sku: skus[0]!, delta: 5, reason: 'delivery' }, { now: at(2) });
    await dy.commitReservation(reservations[0]!, { now: at(2) });
    const stock = await scanAll(from, 'stock', 100);
    assert.deepEqual(await to.upsertIfNewer('stock', stock), [skus[0]]);
    const listed = [...(await scanAll(from, 'reservations', 100)), stale!];
    writes.clear();
    assert.deepEqual(await to.upsertIfNewer('reservations', listed), [reservations[0]]);
    // the cancelled transaction, then the newer one alone and the listed-again one alone: the
    // records whose condition failed (as new there) are not written again
    assert.deepEqual(
      [...writes],
      [
        ['TransactWriteItemsCommand', 1],
        ['PutItemCommand', 2],
      ],
    );
    const history = await scanAll(from, 'adjustments', 100);
    const written = await to.upsertIfNewer('adjustments', history);
    assert.equal(written.length, 1);
    assert.ok(written[0]!.startsWith(`${skus[0]}#`), written[0]);

    for (const kind of INVENTORY_KINDS) {
      assert.deepEqual(
        canonicalOf(to, kind, await scanAll(to, kind, 100)),
        canonicalOf(from, kind, await scanAll(from, kind, 100)),
        kind,
      );
    }
  });
});
