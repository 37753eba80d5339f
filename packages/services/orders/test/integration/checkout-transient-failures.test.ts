import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ManualClock } from '@polyshop/kernel';
import type { TestPlatform } from '@polyshop/platform/testing';
import { eventually, postgresTargets } from '@polyshop/testing';
import type { OrderService } from '../../src/app/order-service.ts';
import { placeOrder } from '../../src/app/place-order.ts';
import {
  aCustomer,
  checkoutBody,
  checkoutPlatform,
  openOrderService,
  paymentsOf,
  seedSkus,
  stockOf,
} from '../fixtures/checkout-platform.ts';

for (const target of postgresTargets()) {
  describe(`checkout with the payment gateway down on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    const clock = new ManualClock(new Date());
    const services: OrderService[] = [];
    before(async () => {
      // Every gateway call fails as unavailable: a transient failure, whatever the retries.
      platform = await checkoutPlatform(target.name, {
        PAYMENTS_SANDBOX_FAILURE_RATE: '1',
        ORDERS_RECOVERY_INTERVAL_MS: '3600000',
      });
    });
    after(async () => {
      for (const service of services) await service.stop(0);
      await platform?.dispose();
    });

    it('answers pending, schedules a retry, and the recovery worker then undoes the checkout: nothing held, nothing taken', async () => {
      const sku = `DOWN-${target.name}`;
      await seedSkus(platform, [{ sku, price: '3.00', quantity: 4 }]);
      const customer = await aCustomer(platform);
      const env = { ORDERS_SAGA_RETRY_BASE_MS: '1000' };
      const shop = await openOrderService(platform, clock, { env });
      services.push(shop);
      const placed = await placeOrder(shop.deps, {
        userId: customer.userId,
        customer: {},
        idempotencyKey: randomUUID(),
        input: checkoutBody([{ sku, quantity: 3 }]) as never,
      });
      assert.equal(placed.finished, false);
      assert.equal(placed.order.status, 'pending');
      assert.deepEqual([placed.order.saga.state, placed.order.saga.attempts], ['stock_reserved', 1]);
      assert.equal(placed.order.saga.nextAttemptAt?.getTime(), clock.now().getTime() + 1000);
      assert.deepEqual(await stockOf(platform, sku), { quantity: 4, reserved: 3, available: 1 });

      assert.equal(await shop.recovery.runOnce(), 0, 'not due yet');
      clock.advance(1000);
      assert.equal(await shop.recovery.runOnce(), 1);
      const recovered = (await shop.deps.repository.findById(placed.order.id))!;
      assert.deepEqual(
        [recovered.status, recovered.failure?.reasonCode],
        ['failed', 'ORDERS.PAYMENT_INTERRUPTED'],
      );
      assert.deepEqual(await stockOf(platform, sku), { quantity: 4, reserved: 0, available: 4 });
      const payments = await paymentsOf(platform).findByOrder(placed.order.id);
      assert.ok(
        payments.every((p) => p.status === 'pending'),
        'the payment never got past pending: nothing authorized or taken',
      );
    });
  });
}

for (const target of postgresTargets()) {
  describe(`checkout slower than the request timeout on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    before(async () => {
      // The gateway takes 300 ms per call; the request waits 50 ms for the saga.
      platform = await checkoutPlatform(target.name, {
        PAYMENTS_SANDBOX_LATENCY_MS: '300',
        ORDERS_SAGA_REQUEST_TIMEOUT_MS: '50',
      });
    });
    after(() => platform?.dispose());

    it('answers 202 with Location, carries on in the background, and the order it points to ends confirmed', async () => {
      const sku = `SLOW-${target.name}`;
      await seedSkus(platform, [{ sku, price: '7.00', quantity: 2 }]);
      const customer = await aCustomer(platform);
      const headers = { authorization: `Bearer ${customer.token}`, 'idempotency-key': randomUUID() };
      const response = await platform.app.inject({
        method: 'POST',
        url: '/orders',
        headers,
        payload: checkoutBody([{ sku, quantity: 1 }]),
      });
      assert.equal(response.statusCode, 202, response.body);
      assert.equal(response.json().status, 'pending');
      const location = response.headers.location as string;
      assert.equal(location, `/orders/${response.json().id}`);
      const order = await eventually(
        async () => {
          const read = (await platform.app.inject({ method: 'GET', url: location, headers })).json();
          return read.status === 'pending' ? undefined : read;
        },
        { intervalMs: 50, message: `order ${response.json().id} to settle` },
      );
      assert.equal(order.status, 'confirmed');
      assert.deepEqual(await stockOf(platform, sku), { quantity: 1, reserved: 0, available: 1 });
      assert.deepEqual(
        (await paymentsOf(platform).findByOrder(order.id)).map((p) => p.status),
        ['captured'],
      );
    });
  });
}
