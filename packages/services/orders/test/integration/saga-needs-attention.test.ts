import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { ManualClock } from '@polyshop/kernel';
import { PaymentsHttpClient } from '@polyshop/payments';
import { adminToken, type TestPlatform } from '@polyshop/platform/testing';
import { postgresTargets } from '@polyshop/testing';
import type { OrderService } from '../../src/app/order-service.ts';
import { cancelOrder } from '../../src/app/cancel-order.ts';
import type { OrderView } from '../../src/app/orders-views.ts';
import {
  aConfirmedOrder,
  checkoutPlatform,
  openOrderService,
  paymentsOf,
  stockOf,
} from '../fixtures/checkout-platform.ts';

/** A loopback URL where nothing listens (a port just released): every call to it is refused. */
async function unreachableUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const ATTENTION_AFTER = 3;

for (const target of postgresTargets()) {
  describe(`a saga that cannot progress on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    let stuck: OrderService | undefined;
    before(async () => {
      platform = await checkoutPlatform(target.name, { ORDERS_RECOVERY_INTERVAL_MS: '3600000' });
    });
    after(async () => {
      await stuck?.stop(0);
      await platform?.dispose();
    });

    it(`parks in needs_attention after ${ATTENTION_AFTER} attempts, is listed for admins, and an admin replays it to the end`, async () => {
      const sku = `PARKED-${target.name}`;
      const { order, customer } = await aConfirmedOrder(platform, {
        sku,
        price: '4.00',
        stock: 3,
        quantity: 2,
      });

      // An order service whose payment service cannot be reached: the refund step keeps failing.
      const clock = new ManualClock(new Date());
      stuck = await openOrderService(platform, clock, {
        env: {
          ORDERS_SAGA_ATTENTION_AFTER_ATTEMPTS: String(ATTENTION_AFTER),
          ORDERS_SAGA_RETRY_BASE_MS: '1000',
        },
        payments: new PaymentsHttpClient(await unreachableUrl()),
      });
      const viewer = { userId: customer.userId, canReadAll: false, canWriteAll: false };
      const cancelling = await cancelOrder(stuck.deps, { id: order.id }, viewer);
      assert.equal(cancelling.finished, false);
      assert.deepEqual([cancelling.order.saga.state, cancelling.order.saga.attempts], ['cancelling', 1]);
      for (let attempt = 2; attempt <= ATTENTION_AFTER; attempt++) {
        clock.advance(3_600_000);
        assert.equal(await stuck.recovery.runOnce(), 1, `attempt ${attempt} is due`);
      }
      const parked = (await stuck.deps.repository.findById(order.id))!;
      assert.equal(parked.status, 'confirmed');
      assert.equal(parked.saga.state, 'cancelling');
      assert.equal(parked.saga.attempts, ATTENTION_AFTER);
      assert.equal(parked.saga.nextAttemptAt, undefined, 'no next attempt');
      assert.ok(parked.saga.needsAttention, 'parked as needing attention');
      clock.advance(86_400_000);
      assert.equal(await stuck.recovery.runOnce(), 0, 'a parked saga is not retried');
      const started = Date.now();
      const cancelAgain = await platform.app.inject({
        method: 'POST',
        url: `/orders/${order.id}/cancel`,
        headers: { authorization: `Bearer ${customer.token}` },
      });
      assert.equal(cancelAgain.statusCode, 202, cancelAgain.body);
      assert.ok(Date.now() - started < 5_000, 'answered at once, not after the request timeout');
      assert.equal(
        cancelAgain.json<OrderView>().saga.needsAttention?.reasonCode,
        parked.saga.needsAttention.failure.reasonCode,
      );

      const admin = { authorization: `Bearer ${await adminToken(platform)}` };
      const listed = await platform.app.inject({
        method: 'GET',
        url: '/orders/admin/sagas?state=needs_attention',
        headers: admin,
      });
      assert.equal(listed.statusCode, 200, listed.body);
      const entry = listed.json<{ items: OrderView[] }>().items.find((item) => item.id === order.id);
      assert.ok(entry, 'the parked saga is listed');
      assert.equal(entry.saga.state, 'cancelling');
      assert.equal(typeof entry.saga.needsAttention?.reasonCode, 'string');
      assert.equal(entry.saga.needsAttention?.since, parked.saga.needsAttention.since.toISOString());

      const asCustomer = await platform.app.inject({
        method: 'GET',
        url: '/orders/admin/sagas',
        headers: { authorization: `Bearer ${customer.token}` },
      });
      assert.equal(asCustomer.statusCode, 403, asCustomer.body);
      assert.match(String(asCustomer.headers['content-type']), /application\/problem\+json/);
      const badState = await platform.app.inject({
        method: 'GET',
        url: '/orders/admin/sagas?state=running',
        headers: admin,
      });
      assert.equal(badState.statusCode, 400, badState.body);
      assert.match(String(badState.headers['content-type']), /application\/problem\+json/);

      // The payment service is reachable again from the platform: the admin replays the saga.
      const replayed = await platform.app.inject({
        method: 'POST',
        url: `/orders/admin/sagas/${order.id}/replay`,
        headers: admin,
      });
      assert.equal(replayed.statusCode, 200, replayed.body);
      const view = replayed.json<OrderView>();
      assert.equal(view.status, 'cancelled');
      assert.equal(view.saga.needsAttention, undefined);
      assert.deepEqual(
        (await paymentsOf(platform).findByOrder(order.id)).map((p) => [p.status, p.refundedAmount]),
        [['refunded', order.total]],
      );
      assert.deepEqual(await stockOf(platform, sku), { quantity: 3, reserved: 0, available: 3 });

      const after = await platform.app.inject({ method: 'GET', url: '/orders/admin/sagas', headers: admin });
      assert.ok(!after.json<{ items: OrderView[] }>().items.some((item) => item.id === order.id));
      const again = await platform.app.inject({
        method: 'POST',
        url: `/orders/admin/sagas/${order.id}/replay`,
        headers: admin,
      });
      assert.equal(again.statusCode, 409, again.body);
      assert.equal(again.json().code, 'ORDERS.SAGA_NOT_PARKED');
      const unknown = await platform.app.inject({
        method: 'POST',
        url: `/orders/admin/sagas/${randomUUID()}/replay`,
        headers: admin,
      });
      assert.equal(unknown.statusCode, 404, unknown.body);
    });
  });
}
