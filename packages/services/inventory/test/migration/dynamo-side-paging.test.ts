import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareCodePoints } from '@polyshop/migration';
import { scanAll } from '@polyshop/migration/testing';
import type { DynamoConnection } from '@polyshop/stores';
import type { DynamoInventoryRepository } from '../../src/adapters/dynamodb/dynamo-inventory-repository.ts';
import { KEY_SHARDS } from '../../src/adapters/dynamodb/dynamo-inventory-items.ts';
import { DynamoInventorySide } from '../../src/adapters/migration/dynamo-inventory-side.ts';
import { INVENTORY_KINDS } from '../../src/adapters/migration/inventory-migration-kinds.ts';
import { aReservation, at, stocked } from '../contract/inventory-fixtures.ts';
import { dynamo, openTestTable, type DynamoTestTable } from '../dynamodb/dynamo-test-table.ts';

const SKUS = 24;
const PAGE = 5;

/** What the side's requests read from DynamoDB, counted by a middleware on its own client. */
interface Reads {
  scans: number;
  items: number;
}

function countReads(connection: DynamoConnection): Reads {
  const reads: Reads = { scans: 0, items: 0 };
  connection.documents.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'ScanCommand') reads.scans += 1;
      const output = result.output as { Items?: unknown; Responses?: unknown };
      if (Array.isArray(output.Items)) reads.items += output.Items.length;
      if (output.Responses && typeof output.Responses === 'object') {
        for (const items of Object.values(output.Responses)) {
          if (Array.isArray(items)) reads.items += items.length;
        }
      }
      return result;
    },
    { step: 'initialize', name: 'countReads' },
  );
  return reads;
}

/**
 * The DynamoDB side pages each kind in key order from the table's key index (stock, reservations) and
 * its SKUs' partitions (history): a page reads about what it lists, never the whole table — so a
 * backfill or verify pass over n records costs O(n) reads, not O(n²/page).
 */
describe('the DynamoDB inventory side, paging', { skip: dynamo.skip }, () => {
  let table: DynamoTestTable;
  let dy: DynamoInventoryRepository;
  let counted: Awaited<ReturnType<typeof dynamo.open>>;
  let side: DynamoInventorySide;
  let reads: Reads;
  const skus: string[] = [];
  const reservations: string[] = [];

  before(async () => {
    table = await openTestTable();
    dy = table.repository();
    counted = await dynamo.open();
    reads = countReads(counted.connection);
    side = new DynamoInventorySide(counted.connection.documents, table.tableName);
    for (let i = 0; i < SKUS; i++) skus.push(await stocked(dy, 100, `page-${i % 3}`));
    skus.sort(compareCodePoints);
    // more history on some SKUs, a sharded one (its parts are not stock records), reservations
    for (const sku of skus.slice(0, 6))
      await dy.adjust({ sku, delta: 5, reason: 'delivery' }, { now: at(1) });
    await dy.setShards({ sku: skus[3]!, shards: 3 }, { now: at(2) });
    for (const sku of skus) {
      const reservation = aReservation([{ sku, quantity: 1 }], { now: at(3) });
      assert.equal((await dy.reserve(reservation, { now: at(3) })).status, 'reserved');
      reservations.push(reservation.id);
    }
    reservations.sort(compareCodePoints);
  });
  after(async () => {
    if (counted) await dynamo.close(counted);
    await table?.drop();
  });

  it('lists every record of each kind in code-point key order, a page at a time, reading about a page', async () => {
    const expected: Record<string, string[]> = {
      stock: skus,
      reservations,
      adjustments: skus.flatMap((sku, i) =>
        [1, ...(i < 6 ? [2] : [])].map((version) => `${sku}#${String(version).padStart(12, '0')}`),
      ),
    };
    for (const kind of INVENTORY_KINDS) {
      const pages: number[] = [];
      const keys: string[] = [];
      for (let from: string | undefined; ;) {
        const before = { ...reads };
        const page = await side.scan(kind, from, PAGE);
        assert.equal(reads.scans, before.scans, `${kind}: a page scans no table`);
        pages.push(reads.items - before.items);
        keys.push(...page.map((record) => record.key));
        if (page.length < PAGE) break;
        from = page.at(-1)!.key;
      }
      assert.deepEqual(keys, expected[kind], `${kind}: every key once, in code-point order`);
      // each shard of the index listed from the page's start (≤ PAGE keys each), the page read by key;
      // history: its SKUs listed so, then each SKU's entries (≤ PAGE) and the entries read by key
      const bound = kind === 'adjustments' ? KEY_SHARDS * PAGE + 2 * PAGE : KEY_SHARDS * PAGE + PAGE;
      for (const items of pages)
        assert.ok(items <= bound, `${kind}: a page read ${items} items (≤ ${bound})`);
      assert.ok(
        pages.reduce((sum, items) => sum + items, 0) >= keys.length,
        `${kind}: the reads were counted`,
      );
      assert.equal(await side.lastKey(kind), expected[kind]!.at(-1), `${kind}: last key`);
      assert.equal(await side.count(kind), expected[kind]!.length, `${kind}: count`);
    }
  });

  it('lists the same keys whatever the page size', async () => {
    for (const kind of INVENTORY_KINDS) {
      const byOne = (await scanAll(side, kind, 1)).map((record) => record.key);
      const byMany = (await scanAll(side, kind, 1000)).map((record) => record.key);
      assert.deepEqual(byOne, byMany, kind);
    }
  });
});
