import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '@polyshop/testing';
import {
  expectProblem,
  startInventory,
  uniqueReservationId,
  uniqueSku,
  type InventoryHarness,
} from './inventory-harness.ts';
import { inventoryTargets } from './inventory-targets.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

for (const target of inventoryTargets()) {
  const shardable = target.name === 'dynamodb';
  describe(`inventory sharding over HTTP on ${target.name}`, { skip: target.skip }, () => {
    let h: InventoryHarness;
    before(async () => {
      h = await startInventory(target);
    });
    after(() => h?.dispose());

    async function stocked(quantity: number): Promise<string> {
      const sku = uniqueSku();
      assert.equal((await h.call('PUT', `/inventory/${sku}`, { body: { quantity } })).statusCode, 201);
      return sku;
    }
    const shard = (sku: string, body: unknown, token?: string | null) =>
      h.call('PUT', `/inventory/${sku}/sharding`, { body, ...(token === undefined ? {} : { token }) });

    it('guards and validates: 401 without a token, 403 without inventory:write, 400 naming shards, 404 for an unknown SKU', async () => {
      const sku = await stocked(4);
      expectProblem(await shard(sku, { shards: 2 }, null), 401, 'AUTH.TOKEN_MISSING');
      assert.equal((await shard(sku, { shards: 2 }, h.nobody.token)).statusCode, 403);
      assert.equal(
        (await h.call('GET', `/inventory/${sku}/sharding`, { token: h.nobody.token })).statusCode,
        403,
      );
      for (const shards of [0, 33, 2.5, 'many'])
        expectProblem(await shard(sku, { shards }), 400, 'REQUEST.VALIDATION', 'shards');
      expectProblem(await shard(sku, { shards: 2, extra: 1 }), 400, 'REQUEST.VALIDATION');
      expectProblem(await shard(uniqueSku(), { shards: 1 }), 404, 'INVENTORY.SKU_NOT_FOUND', 'sku');
      expectProblem(
        await h.call('GET', `/inventory/${uniqueSku()}/sharding`),
        404,
        'INVENTORY.SKU_NOT_FOUND',
      );
    });

    it('one counter is every store’s answer: GET shows it, PUT shards 1 answers it unchanged', async () => {
      const sku = await stocked(7);
      const read = await h.call('GET', `/inventory/${sku}/sharding`);
      assert.equal(read.statusCode, 200, read.body);
      const one = { sku, shards: 1, layout: [{ shard: 0, quantity: 7, reserved: 0, available: 7 }] };
      assert.deepEqual(read.json(), one);
      const put = await shard(sku, { shards: 1 });
      assert.equal(put.statusCode, 200, put.body);
      assert.deepEqual(put.json(), one);
    });

    if (!shardable) {
      it('refuses more than one shard with 409 INVENTORY.SHARDING_UNSUPPORTED (this store coalesces instead)', async () => {
        const sku = await stocked(7);
        expectProblem(await shard(sku, { shards: 4 }), 409, 'INVENTORY.SHARDING_UNSUPPORTED', 'shards');
      });
      return;
    }

    it('a hot SKU on 8 shards sells out to exactly its units; reads keep their shape; releases and unsharding restore it', async () => {
      const units = 24;
      const sku = await stocked(units);
      const before = (await h.call('GET', `/inventory/${sku}`)).json<Record<string, unknown>>();
      const put = await shard(sku, { shards: 8 });
      assert.equal(put.statusCode, 200, put.body);
      assert.deepEqual(
        put.json().layout.map((s: { available: number }) => s.available),
        range(8).map(() => 3),
      );
      assert.deepEqual((await shard(sku, { shards: 8 })).json(), put.json(), 'idempotent');

      const answers = await Promise.all(
        range(2 * units).map(() =>
          h.call('POST', '/inventory/reservations', {
            body: { reservationId: uniqueReservationId(), items: [{ sku, quantity: 1 }], ttlSeconds: 600 },
          }),
        ),
      );
      const won = answers.filter((a) => a.statusCode === 201);
      assert.equal(won.length, units);
      for (const lost of answers.filter((a) => a.statusCode !== 201))
        expectProblem(lost, 409, 'INVENTORY.INSUFFICIENT_STOCK', 'items');

      const read = (await h.call('GET', `/inventory/${sku}`)).json<Record<string, unknown>>();
      assert.deepEqual(Object.keys(read).sort(), Object.keys(before).sort(), 'the same shape as unsharded');
      assert.deepEqual(
        [read.quantity, read.reserved, read.available, read.inStock],
        [units, units, 0, false],
      );
      const listed = (await h.call('GET', `/inventory?skus=${sku}`)).json();
      assert.deepEqual(listed.items, [read]);

      await Promise.all(
        won.map((a) => h.call('DELETE', `/inventory/reservations/${encodeURIComponent(a.json().id)}`)),
      );
      const folded = await shard(sku, { shards: 1 });
      assert.deepEqual(folded.json().layout, [{ shard: 0, quantity: units, reserved: 0, available: units }]);
      const after = (await h.call('GET', `/inventory/${sku}`)).json();
      assert.deepEqual([after.quantity, after.reserved, after.available], [units, 0, units]);
      // the newest event of the SKU (what search keeps) says what reads say, although the concurrent
      // releases' own events each missed the others (the writer restated the SKU after them)
      await eventually(() => {
        const changed = h.events
          .filter((e) => e.aggregateId === sku && e.type === 'inventory.changed')
          .map((e) => e.data as { available: number; version: number });
        const newest = changed.reduce((a, b) => (b.version > a.version ? b : a), changed[0]!);
        assert.equal(newest.available, units);
        return true;
      });
    });
  });
}
