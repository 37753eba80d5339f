import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '@polyshop/testing';
import { AppError } from '@polyshop/kernel';
import { InventoryHttpClient, type InventoryClient } from '../../src/inventory-client.ts';
import {
  expectProblem,
  startInventory,
  uniqueReservationId,
  uniqueSku,
  type InventoryHarness,
} from './inventory-harness.ts';
import { inventoryTargets } from './inventory-targets.ts';

for (const target of inventoryTargets()) {
  describe(`inventory reservations over HTTP on ${target.name}`, { skip: target.skip }, () => {
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
    async function counts(sku: string): Promise<number[]> {
      const stock = (await h.call('GET', `/inventory/${sku}`)).json();
      return [stock.quantity, stock.reserved, stock.available];
    }
    const reserve = (body: unknown, token?: string | null) =>
      h.call('POST', '/inventory/reservations', { body, ...(token === undefined ? {} : { token }) });

    it('reserves all items (201, Location); the same request again answers the same reservation (idempotent)', async () => {
      const a = await stocked(5);
      const b = await stocked(5);
      const body = {
        reservationId: uniqueReservationId(),
        items: [
          { sku: b, quantity: 2 },
          { sku: a, quantity: 1 },
        ],
        ttlSeconds: 300,
      };
      const first = await reserve(body);
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(first.headers.location, `/inventory/reservations/${body.reservationId}`);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      const reservation = first.json();
      assert.deepEqual(
        [reservation.id, reservation.status, reservation.ttlSeconds],
        [body.reservationId, 'active', 300],
      );
      assert.deepEqual(
        reservation.items,
        [
          { sku: a, quantity: 1 },
          { sku: b, quantity: 2 },
        ].sort((x, y) => (x.sku < y.sku ? -1 : 1)),
      );
      assert.equal(Date.parse(reservation.expiresAt) - Date.parse(reservation.createdAt), 300_000);
      const again = await reserve({ ...body, items: [...body.items].reverse() });
      assert.equal(again.statusCode, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.deepEqual(again.json(), reservation);
      assert.deepEqual(
        [await counts(a), await counts(b)],
        [
          [5, 1, 4],
          [5, 2, 3],
        ],
      );
      const read = await h.call('GET', `/inventory/reservations/${body.reservationId}`);
      assert.deepEqual(read.json(), reservation);
    });

    it('refuses the same reservationId with a different body (409 INVENTORY.RESERVATION_MISMATCH)', async () => {
      const sku = await stocked(5);
      const body = { reservationId: uniqueReservationId(), items: [{ sku, quantity: 2 }], ttlSeconds: 300 };
      await reserve(body);
      expectProblem(
        await reserve({ ...body, items: [{ sku, quantity: 3 }] }),
        409,
        'INVENTORY.RESERVATION_MISMATCH',
        'reservationId',
      );
      expectProblem(await reserve({ ...body, ttlSeconds: 301 }), 409, 'INVENTORY.RESERVATION_MISMATCH');
      assert.deepEqual(await counts(sku), [5, 2, 3]);
    });

    it('reserves nothing when stock is short: 409 INVENTORY.INSUFFICIENT_STOCK listing each short SKU', async () => {
      const plenty = await stocked(10);
      const short = await stocked(1);
      const unknown = uniqueSku('NEW');
      const body = {
        reservationId: uniqueReservationId(),
        items: [
          { sku: plenty, quantity: 2 },
          { sku: short, quantity: 3 },
          { sku: unknown, quantity: 1 },
        ],
        ttlSeconds: 60,
      };
      const problem = expectProblem(await reserve(body), 409, 'INVENTORY.INSUFFICIENT_STOCK', 'items');
      assert.deepEqual(
        problem.shortages,
        [
          { sku: short, requested: 3, available: 1 },
          { sku: unknown, requested: 1, available: 0 },
        ].sort((x, y) => (x.sku < y.sku ? -1 : 1)),
      );
      assert.deepEqual(
        [await counts(plenty), await counts(short)],
        [
          [10, 0, 10],
          [1, 0, 1],
        ],
      );
      expectProblem(
        await h.call('GET', `/inventory/reservations/${body.reservationId}`),
        404,
        'INVENTORY.RESERVATION_NOT_FOUND',
      );
    });

    it('validates reservations: items, quantities, ttl, ids, duplicate SKUs; and needs inventory:write', async () => {
      const sku = await stocked(5);
      const ok = { reservationId: uniqueReservationId(), items: [{ sku, quantity: 1 }], ttlSeconds: 60 };
      expectProblem(await reserve({ ...ok, items: [] }), 400, 'REQUEST.VALIDATION', 'items');
      expectProblem(
        await reserve({ ...ok, items: [{ sku, quantity: 0 }] }),
        400,
        'REQUEST.VALIDATION',
        'items.0.quantity',
      );
      expectProblem(
        await reserve({ ...ok, items: [{ sku, quantity: 1_000_001 }] }),
        400,
        'REQUEST.VALIDATION',
        'items.0.quantity',
      );
      expectProblem(await reserve({ ...ok, ttlSeconds: 0 }), 400, 'REQUEST.VALIDATION', 'ttlSeconds');
      expectProblem(await reserve({ ...ok, ttlSeconds: 86_401 }), 400, 'REQUEST.VALIDATION', 'ttlSeconds');
      expectProblem(
        await reserve({ ...ok, reservationId: 'has space' }),
        400,
        'REQUEST.VALIDATION',
        'reservationId',
      );
      expectProblem(
        await reserve({
          ...ok,
          items: [
            { sku, quantity: 1 },
            { sku, quantity: 2 },
          ],
        }),
        400,
        'INVENTORY.DUPLICATE_SKU',
        'items.1.sku',
      );
      const tooMany = Array.from({ length: 51 }, (_, i) => ({ sku: `S-${i}`, quantity: 1 }));
      expectProblem(await reserve({ ...ok, items: tooMany }), 400, 'REQUEST.VALIDATION', 'items');
      expectProblem(await reserve(ok, null), 401, 'AUTH.TOKEN_MISSING');
      expectProblem(await reserve(ok, h.nobody.token), 403, 'AUTH.FORBIDDEN');
      assert.deepEqual(await counts(sku), [5, 0, 5]);
    });

    it('commit: stock leaves, twice is the same; release after commit is a conflict', async () => {
      const sku = await stocked(5);
      const id = uniqueReservationId();
      await reserve({ reservationId: id, items: [{ sku, quantity: 2 }], ttlSeconds: 60 });
      const committed = await h.call('POST', `/inventory/reservations/${id}/commit`);
      assert.deepEqual([committed.statusCode, committed.json().status], [200, 'committed']);
      const again = await h.call('POST', `/inventory/reservations/${id}/commit`);
      assert.deepEqual(again.json(), committed.json());
      expectProblem(
        await h.call('DELETE', `/inventory/reservations/${id}`),
        409,
        'INVENTORY.RESERVATION_COMMITTED',
        'id',
      );
      assert.deepEqual(await counts(sku), [3, 0, 3]);
    });

    it('release: stock returns, twice is fine; commit after release is a conflict; unknown ids are 404', async () => {
      const sku = await stocked(5);
      const id = uniqueReservationId();
      await reserve({ reservationId: id, items: [{ sku, quantity: 4 }], ttlSeconds: 60 });
      const released = await h.call('DELETE', `/inventory/reservations/${id}`);
      assert.deepEqual([released.statusCode, released.json().status], [200, 'released']);
      assert.equal((await h.call('DELETE', `/inventory/reservations/${id}`)).statusCode, 200);
      expectProblem(
        await h.call('POST', `/inventory/reservations/${id}/commit`),
        409,
        'INVENTORY.RESERVATION_RELEASED',
        'id',
      );
      assert.deepEqual(await counts(sku), [5, 0, 5]);
      const unknown = uniqueReservationId();
      expectProblem(
        await h.call('POST', `/inventory/reservations/${unknown}/commit`),
        404,
        'INVENTORY.RESERVATION_NOT_FOUND',
        'id',
      );
      expectProblem(
        await h.call('DELETE', `/inventory/reservations/${unknown}`),
        404,
        'INVENTORY.RESERVATION_NOT_FOUND',
      );
      expectProblem(
        await h.call('GET', `/inventory/reservations/${unknown}`, { token: h.nobody.token }),
        403,
        'AUTH.FORBIDDEN',
      );
    });

    it("GET /inventory/{sku}/reservations: the SKU's active ones, soonest expiry first; 404 unknown SKU; inventory:read", async () => {
      const sku = await stocked(5);
      const later = uniqueReservationId();
      const soon = uniqueReservationId();
      const committed = uniqueReservationId();
      await reserve({ reservationId: later, items: [{ sku, quantity: 2 }], ttlSeconds: 600 });
      await reserve({ reservationId: soon, items: [{ sku, quantity: 1 }], ttlSeconds: 60 });
      await reserve({ reservationId: committed, items: [{ sku, quantity: 1 }], ttlSeconds: 60 });
      assert.equal((await h.call('POST', `/inventory/reservations/${committed}/commit`)).statusCode, 200);
      const listed = await h.call('GET', `/inventory/${sku}/reservations`);
      assert.equal(listed.statusCode, 200, listed.body);
      assert.deepEqual(
        listed.json().items.map((r: { id: string; status: string }) => [r.id, r.status]),
        [
          [soon, 'active'],
          [later, 'active'],
        ],
      );
      const first = await h.call('GET', `/inventory/${sku}/reservations?limit=1`);
      assert.deepEqual(
        first.json().items.map((r: { id: string }) => r.id),
        [soon],
      );
      expectProblem(
        await h.call('GET', `/inventory/${uniqueSku()}/reservations`),
        404,
        'INVENTORY.SKU_NOT_FOUND',
        'sku',
      );
      expectProblem(
        await h.call('GET', `/inventory/${sku}/reservations`, { token: h.nobody.token }),
        403,
        'AUTH.FORBIDDEN',
      );
    });

    it("return: a committed reservation's stock comes back once (history, events); conflicts, 404, validation and inventory:write", async () => {
      const a = await stocked(5);
      const b = await stocked(3);
      const id = uniqueReservationId();
      const giveBack = (body: unknown, token?: string | null, reservationId = id) =>
        h.call('POST', `/inventory/reservations/${reservationId}/return`, {
          body,
          ...(token === undefined ? {} : { token }),
        });
      await reserve({
        reservationId: id,
        items: [
          { sku: a, quantity: 2 },
          { sku: b, quantity: 3 },
        ],
        ttlSeconds: 60,
      });
      const active = expectProblem(
        await giveBack({ reason: 'cancelled' }),
        409,
        'INVENTORY.RESERVATION_NOT_COMMITTED',
        'id',
      );
      assert.equal(active.reservationStatus, 'active');
      assert.equal((await h.call('POST', `/inventory/reservations/${id}/commit`)).statusCode, 200);
      expectProblem(await giveBack({}), 400, 'REQUEST.VALIDATION', 'reason');
      expectProblem(await giveBack({ reason: 'x'.repeat(501) }), 400, 'REQUEST.VALIDATION', 'reason');
      expectProblem(await giveBack({ reason: '   ' }), 400, 'INVENTORY.INVALID_REASON', 'reason');
      expectProblem(await giveBack({ reason: 'cancelled' }, null), 401, 'AUTH.TOKEN_MISSING');
      expectProblem(await giveBack({ reason: 'cancelled' }, h.nobody.token), 403, 'AUTH.FORBIDDEN');
      expectProblem(
        await giveBack({ reason: 'cancelled' }, undefined, uniqueReservationId()),
        404,
        'INVENTORY.RESERVATION_NOT_FOUND',
        'id',
      );
      assert.deepEqual(
        [await counts(a), await counts(b)],
        [
          [3, 0, 3],
          [0, 0, 0],
        ],
        'nothing refused changed the stock',
      );

      const returned = await giveBack({ reason: 'order 17 cancelled' });
      assert.deepEqual([returned.statusCode, returned.json().status], [200, 'returned'], returned.body);
      assert.deepEqual(
        [await counts(a), await counts(b)],
        [
          [5, 0, 5],
          [3, 0, 3],
        ],
      );
      const again = await giveBack({ reason: 'order 17 cancelled' });
      assert.deepEqual([again.statusCode, again.json()], [200, returned.json()]);
      assert.deepEqual(
        [await counts(a), await counts(b)],
        [
          [5, 0, 5],
          [3, 0, 3],
        ],
        'the second return added nothing',
      );
      const [entry] = (await h.call('GET', `/inventory/${a}/adjustments?limit=1`)).json().items;
      assert.deepEqual(
        [entry.kind, entry.delta, entry.quantityAfter, entry.reason, entry.actor, entry.reservationId],
        ['return', 2, 5, 'order 17 cancelled', h.writer.userId, id],
      );
      const release = await h.call('DELETE', `/inventory/reservations/${id}`);
      assert.deepEqual(
        [release.statusCode, release.json().status],
        [200, 'returned'],
        'nothing is held: a release changes nothing',
      );
      expectProblem(
        await h.call('POST', `/inventory/reservations/${id}/commit`),
        409,
        'INVENTORY.RESERVATION_RETURNED',
        'id',
      );
      assert.deepEqual(
        [await counts(a), await counts(b)],
        [
          [5, 0, 5],
          [3, 0, 3],
        ],
      );

      const mine = () => h.events.filter((e) => e.aggregateId === b && e.correlationId === id);
      await eventually(() => mine().length >= 3, { message: 'the reserve, commit and return events' });
      assert.deepEqual(
        mine().map((e) => [e.type, e.data]),
        [
          [
            'inventory.changed',
            { sku: b, quantity: 3, reserved: 3, available: 0, inStock: false, version: 2 },
          ],
          [
            'inventory.changed',
            { sku: b, quantity: 0, reserved: 0, available: 0, inStock: false, version: 3 },
          ],
          [
            'inventory.changed',
            { sku: b, quantity: 3, reserved: 0, available: 3, inStock: true, version: 4 },
          ],
        ],
      );
    });

    it('the reaper returns the stock of an expired reservation; a late commit is refused with INVENTORY.RESERVATION_EXPIRED', async () => {
      const sku = await stocked(5);
      const id = uniqueReservationId();
      await reserve({ reservationId: id, items: [{ sku, quantity: 5 }], ttlSeconds: 30 });
      h.clock.advance(29_000);
      assert.equal(await h.module.reaper.runOnce(), 0);
      assert.deepEqual(await counts(sku), [5, 5, 0], 'still held before its expiry');
      h.clock.advance(1_000);
      await eventually(async () => (await counts(sku))[1] === 0, {
        message: 'the background reaper to return the stock',
      });
      assert.equal((await h.call('GET', `/inventory/reservations/${id}`)).json().status, 'expired');
      const late = expectProblem(
        await h.call('POST', `/inventory/reservations/${id}/commit`),
        409,
        'INVENTORY.RESERVATION_EXPIRED',
        'id',
      );
      assert.equal(late.reservationId, id);
      const release = await h.call('DELETE', `/inventory/reservations/${id}`);
      assert.deepEqual([release.statusCode, release.json().status], [200, 'expired']);
      assert.deepEqual(await counts(sku), [5, 0, 5]);
      const retry = await reserve({ reservationId: id, items: [{ sku, quantity: 5 }], ttlSeconds: 30 });
      assert.deepEqual(
        [retry.statusCode, retry.json().status, await counts(sku)],
        [201, 'expired', [5, 0, 5]],
        'a retry does not revive it',
      );
    });

    it('a commit arriving after expiry but before the reaper is refused and returns the stock itself', async () => {
      await h.module.reaper.stop();
      try {
        const sku = await stocked(2);
        const id = uniqueReservationId();
        await reserve({ reservationId: id, items: [{ sku, quantity: 2 }], ttlSeconds: 10 });
        h.clock.advance(10_000);
        expectProblem(
          await h.call('POST', `/inventory/reservations/${id}/commit`),
          409,
          'INVENTORY.RESERVATION_EXPIRED',
        );
        assert.deepEqual(await counts(sku), [2, 0, 2]);
      } finally {
        h.module.reaper.start();
      }
    });

    it('the in-process and HTTP clients give the same answers; insufficient stock is a result, not an error', async () => {
      const address = await h.platform.app.listen({ port: 0, host: '127.0.0.1' });
      const clients: [string, InventoryClient][] = [
        ['in-process', h.platform.client('inventory')],
        ['http', new InventoryHttpClient(address, { internalToken: () => h.writer.token })],
      ];
      for (const [name, client] of clients) {
        const sku = await stocked(3);
        const id = uniqueReservationId();
        const reserved = await client.reserve({
          reservationId: id,
          items: [{ sku, quantity: 2 }],
          ttlSeconds: 60,
        });
        assert.equal(reserved.status, 'reserved', name);
        assert.deepEqual(
          await client.reserve({ reservationId: id, items: [{ sku, quantity: 2 }], ttlSeconds: 60 }),
          reserved,
          name,
        );
        const short = await client.reserve({
          reservationId: uniqueReservationId(),
          items: [{ sku, quantity: 2 }],
          ttlSeconds: 60,
        });
        assert.deepEqual(
          short,
          { status: 'insufficient_stock', shortages: [{ sku, requested: 2, available: 1 }] },
          name,
        );
        assert.deepEqual(
          (await client.getStock([sku, uniqueSku()])).map((s) => [s.sku, s.reserved, s.available]),
          [[sku, 2, 1]],
          name,
        );
        assert.equal((await client.commit(id)).status, 'committed', name);
        assert.equal((await client.commit(id)).status, 'committed', name);
        await assert.rejects(
          client.release(id),
          (e: unknown) =>
            e instanceof AppError && e.code === 'INVENTORY.RESERVATION_COMMITTED' && e.kind === 'conflict',
          name,
        );
        await assert.rejects(
          client.commit(uniqueReservationId()),
          (e: unknown) => e instanceof AppError && e.kind === 'not_found',
          name,
        );
        const returned = await client.returnReservation(id, { reason: 'order cancelled' });
        assert.equal(returned.status, 'returned', name);
        assert.deepEqual(await client.returnReservation(id, { reason: 'order cancelled' }), returned, name);
        assert.deepEqual((await client.getStock([sku]))[0]?.quantity, 3, name);
        const active = uniqueReservationId();
        await client.reserve({ reservationId: active, items: [{ sku, quantity: 1 }], ttlSeconds: 60 });
        await assert.rejects(
          client.returnReservation(active, { reason: 'x' }),
          (e: unknown) =>
            e instanceof AppError &&
            e.kind === 'conflict' &&
            e.code === 'INVENTORY.RESERVATION_NOT_COMMITTED',
          name,
        );
        assert.equal((await client.release(active)).status, 'released', name);
        await assert.rejects(
          client.returnReservation(uniqueReservationId(), { reason: 'x' }),
          (e: unknown) => e instanceof AppError && e.kind === 'not_found',
          name,
        );
        await assert.rejects(
          client.reserve({ reservationId: id, items: [{ sku, quantity: 0 }], ttlSeconds: 60 }),
          (e: unknown) =>
            e instanceof AppError && e.kind === 'invalid_input' && e.field === 'items.0.quantity',
          name,
        );
        assert.deepEqual((await client.getStock([sku]))[0]?.available, 3, name);
      }
    });

    it('reservation events carry the reservation id as correlation id', async () => {
      const sku = await stocked(10);
      const id = uniqueReservationId();
      await reserve({ reservationId: id, items: [{ sku, quantity: 3 }], ttlSeconds: 60 });
      await h.call('POST', `/inventory/reservations/${id}/commit`);
      const mine = () => h.events.filter((e) => e.aggregateId === sku && e.correlationId === id);
      await eventually(() => mine().length >= 2, { message: 'the reserve and commit events' });
      assert.deepEqual(
        mine().map((e) => [e.type, e.data]),
        [
          ['inventory.changed', { sku, quantity: 10, reserved: 3, available: 7, inStock: true, version: 2 }],
          ['inventory.changed', { sku, quantity: 7, reserved: 0, available: 7, inStock: true, version: 3 }],
        ],
      );
    });
  });
}
