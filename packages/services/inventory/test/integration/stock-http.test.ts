import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '@polyshop/testing';
import {
  expectProblem,
  LOW_STOCK_THRESHOLD,
  startInventory,
  uniqueSku,
  type InventoryHarness,
} from './inventory-harness.ts';
import { inventoryTargets } from './inventory-targets.ts';

for (const target of inventoryTargets()) {
  describe(`inventory stock over HTTP on ${target.name}`, { skip: target.skip }, () => {
    let h: InventoryHarness;
    before(async () => {
      h = await startInventory(target);
    });
    after(() => h?.dispose());

    it('PUT creates a SKU (201), then sets it (200); GET reads it without a token', async () => {
      const sku = uniqueSku();
      const created = await h.call('PUT', `/inventory/${sku}`, { body: { quantity: 10 } });
      assert.equal(created.statusCode, 201, created.body);
      assert.deepEqual(
        { ...created.json<object>(), updatedAt: undefined },
        { sku, quantity: 10, reserved: 0, available: 10, inStock: true, version: 1, updatedAt: undefined },
      );
      const set = await h.call('PUT', `/inventory/${sku}`, { body: { quantity: 0, reason: 'recount' } });
      assert.equal(set.statusCode, 200);
      assert.deepEqual([set.json().quantity, set.json().inStock, set.json().version], [0, false, 2]);
      const read = await h.call('GET', `/inventory/${sku}`, { token: null });
      assert.equal(read.statusCode, 200);
      assert.equal(read.json().version, 2);
    });

    it('guards writes: 401 without a token, 403 without inventory:write', async () => {
      const sku = uniqueSku();
      expectProblem(
        await h.call('PUT', `/inventory/${sku}`, { body: { quantity: 1 }, token: null }),
        401,
        'AUTH.TOKEN_MISSING',
      );
      await h.call('PUT', `/inventory/${sku}`, { body: { quantity: 1 } });
      const forbidden = await h.call('POST', `/inventory/${sku}/adjust`, {
        body: { delta: 1, reason: 'x' },
        token: h.nobody.token,
      });
      assert.equal(forbidden.statusCode, 403, forbidden.body);
      assert.equal(
        (await h.call('GET', `/inventory/${sku}/adjustments`, { token: h.nobody.token })).statusCode,
        403,
      );
      assert.equal((await h.call('GET', `/inventory/${sku}`)).json().quantity, 1, 'nothing changed');
    });

    it('answers bad input with 400 problem+json naming the field', async () => {
      const sku = uniqueSku();
      expectProblem(
        await h.call('PUT', `/inventory/${sku}`, { body: { quantity: -1 } }),
        400,
        'REQUEST.VALIDATION',
        'quantity',
      );
      expectProblem(
        await h.call('PUT', `/inventory/${sku}`, { body: { quantity: 1.5 } }),
        400,
        'REQUEST.VALIDATION',
        'quantity',
      );
      expectProblem(
        await h.call('PUT', `/inventory/${sku}`, { body: { quantity: 1, colour: 'red' } }),
        400,
        'REQUEST.VALIDATION',
        'colour',
      );
      expectProblem(
        await h.call('PUT', `/inventory/${sku}`, { body: { quantity: 1_000_000_001 } }),
        400,
        'REQUEST.VALIDATION',
        'quantity',
      );
      expectProblem(
        await h.call('PUT', '/inventory/bad%20sku', { body: { quantity: 1 } }),
        400,
        'REQUEST.VALIDATION',
        'sku',
      );
      expectProblem(await h.call('GET', `/inventory/${sku}`), 404, 'INVENTORY.SKU_NOT_FOUND', 'sku');
      await h.call('PUT', `/inventory/${sku}`, { body: { quantity: 5 } });
      expectProblem(
        await h.call('POST', `/inventory/${sku}/adjust`, { body: { delta: 0, reason: 'x' } }),
        400,
        'INVENTORY.INVALID_DELTA',
        'delta',
      );
      expectProblem(
        await h.call('POST', `/inventory/${sku}/adjust`, { body: { delta: 2 } }),
        400,
        'REQUEST.VALIDATION',
        'reason',
      );
      expectProblem(
        await h.call('POST', `/inventory/${sku}/adjust`, { body: { delta: 2, reason: '   ' } }),
        400,
        'INVENTORY.INVALID_REASON',
        'reason',
      );
      expectProblem(
        await h.call('POST', `/inventory/${sku}/adjust`, { body: { delta: 'lots', reason: 'x' } }),
        400,
        'REQUEST.VALIDATION',
        'delta',
      );
      const malformed = await h.platform.app.inject({
        method: 'PUT',
        url: `/inventory/${sku}`,
        payload: '{"quantity":',
        headers: { authorization: `Bearer ${h.writer.token}`, 'content-type': 'application/json' },
      });
      expectProblem(malformed, 400, 'REQUEST.MALFORMED_JSON');
      assert.equal((await h.call('GET', `/inventory/${sku}`)).json().quantity, 5);
    });

    it('adjusts with a reason, refuses going below zero or below reserved (409), 404 for an unknown SKU', async () => {
      const sku = uniqueSku();
      await h.call('PUT', `/inventory/${sku}`, { body: { quantity: 5 } });
      const up = await h.call('POST', `/inventory/${sku}/adjust`, { body: { delta: 3, reason: 'delivery' } });
      assert.deepEqual([up.statusCode, up.json().quantity, up.json().available], [200, 8, 8]);
      const negative = expectProblem(
        await h.call('POST', `/inventory/${sku}/adjust`, { body: { delta: -9, reason: 'x' } }),
        409,
        'INVENTORY.NEGATIVE_QUANTITY',
        'delta',
      );
      assert.equal(negative.quantity, 8);
      const reservation = { reservationId: `hold-${sku}`, items: [{ sku, quantity: 6 }], ttlSeconds: 600 };
      assert.equal((await h.call('POST', '/inventory/reservations', { body: reservation })).statusCode, 201);
      const below = expectProblem(
        await h.call('POST', `/inventory/${sku}/adjust`, { body: { delta: -3, reason: 'x' } }),
        409,
        'INVENTORY.BELOW_RESERVED',
        'delta',
      );
      assert.deepEqual([below.reserved, below.available], [6, 2]);
      expectProblem(
        await h.call('PUT', `/inventory/${sku}`, { body: { quantity: 5 } }),
        409,
        'INVENTORY.BELOW_RESERVED',
        'quantity',
      );
      expectProblem(
        await h.call('POST', `/inventory/${uniqueSku()}/adjust`, { body: { delta: 1, reason: 'x' } }),
        404,
        'INVENTORY.SKU_NOT_FOUND',
      );
    });

    it('keeps an adjustment history (newest first, with who and why), readable with inventory:read', async () => {
      const sku = uniqueSku();
      await h.call('PUT', `/inventory/${sku}`, { body: { quantity: 4, reason: 'opening stock' } });
      await h.call('POST', `/inventory/${sku}/adjust`, { body: { delta: -1, reason: 'damaged in store' } });
      const response = await h.call('GET', `/inventory/${sku}/adjustments?limit=10`);
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(
        response
          .json()
          .items.map((a: Record<string, unknown>) => [a.kind, a.delta, a.quantityAfter, a.reason, a.actor]),
        [
          ['adjust', -1, 3, 'damaged in store', h.writer.userId],
          ['set', 4, 4, 'opening stock', h.writer.userId],
        ],
      );
      expectProblem(
        await h.call('GET', `/inventory/${sku}/adjustments?limit=0`),
        400,
        'REQUEST.VALIDATION',
        'limit',
      );
      expectProblem(
        await h.call('GET', `/inventory/${uniqueSku()}/adjustments`),
        404,
        'INVENTORY.SKU_NOT_FOUND',
      );
    });

    it('reads several SKUs with ?skus=a,b,c: known ones, and the missing ones named', async () => {
      const a = uniqueSku('A');
      const b = uniqueSku('B');
      await h.call('PUT', `/inventory/${a}`, { body: { quantity: 1 } });
      await h.call('PUT', `/inventory/${b}`, { body: { quantity: 2 } });
      const unknown = uniqueSku('Z');
      const response = await h.call('GET', `/inventory?skus=${b},${unknown},${a},${b}`, { token: null });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(
        response.json().items.map((s: { sku: string; quantity: number }) => [s.sku, s.quantity]),
        [
          [a, 1],
          [b, 2],
        ],
      );
      assert.deepEqual(response.json().missing, [unknown]);
      expectProblem(await h.call('GET', '/inventory'), 400, 'REQUEST.VALIDATION', 'skus');
      expectProblem(await h.call('GET', '/inventory?skus=a,,b'), 400, 'INVENTORY.INVALID_SKU', 'skus');
      const many = Array.from({ length: 101 }, (_, i) => `S${i}`).join(',');
      expectProblem(await h.call('GET', `/inventory?skus=${many}`), 400, 'INVENTORY.INVALID_SKUS', 'skus');
    });

    it('publishes inventory.changed for every change and inventory.low when available crosses the threshold', async () => {
      const sku = uniqueSku();
      await h.call('PUT', `/inventory/${sku}`, { body: { quantity: 10 } });
      await h.call('POST', `/inventory/${sku}/adjust`, { body: { delta: -6, reason: 'sold offline' } }); // 4: above
      await h.call('POST', `/inventory/${sku}/adjust`, { body: { delta: -1, reason: 'sold offline' } }); // 3: crosses
      await h.call('POST', `/inventory/${sku}/adjust`, { body: { delta: -1, reason: 'sold offline' } }); // 2: still low
      const mine = () => h.events.filter((e) => e.aggregateId === sku);
      await eventually(() => mine().length >= 5, { message: '5 events for the SKU' });
      assert.deepEqual(
        mine().map((e) => [e.type, e.source, e.aggregateType, e.version]),
        [
          ['inventory.changed', 'inventory', 'inventory', 1],
          ['inventory.changed', 'inventory', 'inventory', 1],
          ['inventory.changed', 'inventory', 'inventory', 1],
          ['inventory.low', 'inventory', 'inventory', 1],
          ['inventory.changed', 'inventory', 'inventory', 1],
        ],
      );
      assert.deepEqual(mine()[2]!.data, {
        sku,
        quantity: 3,
        reserved: 0,
        available: 3,
        inStock: true,
        version: 3,
      });
      assert.deepEqual(mine()[3]!.data, { sku, available: 3, threshold: LOW_STOCK_THRESHOLD });
      await h.call('PUT', `/inventory/${sku}`, { body: { quantity: 0 } });
      await eventually(() => mine().length >= 6, { message: 'the out-of-stock change' });
      assert.deepEqual(mine()[5]!.data, {
        sku,
        quantity: 0,
        reserved: 0,
        available: 0,
        inStock: false,
        version: 5,
      });
    });

    it('documents its routes in the OpenAPI document', async () => {
      const doc = (await h.call('GET', '/docs/json', { token: null })).json();
      for (const path of [
        '/inventory/{sku}',
        '/inventory/{sku}/adjust',
        '/inventory/reservations',
        '/inventory/reservations/{id}/commit',
      ]) {
        assert.ok(doc.paths[path], `${path} is documented`);
      }
      assert.ok(
        doc.paths['/inventory/reservations'].post.requestBody.content['application/json'].schema.properties
          .ttlSeconds,
      );
    });
  });
}
