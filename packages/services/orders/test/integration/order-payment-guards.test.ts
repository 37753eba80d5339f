import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ManualClock } from '@polyshop/kernel';
import { adminToken, type TestPlatform } from '@polyshop/platform/testing';
import { postgresTargets } from '@polyshop/testing';
import type { OrderService } from '../../src/app/order-service.ts';
import { placeOrder } from '../../src/app/place-order.ts';
import { SimulatedCrash } from '../../src/app/saga-faults.ts';
import {
  aConfirmedOrder,
  aCustomer,
  CARDS,
  checkoutBody,
  checkoutPlatform,
  openOrderService,
  paymentsOf,
  seedSkus,
} from '../fixtures/checkout-platform.ts';

/**
 * Issue 15: an admin could authorize an arbitrary amount against an already-paid order. A payment for
 * an order is now exactly what the order owes: its total while its checkout runs, nothing after.
 */
for (const target of postgresTargets()) {
  describe(`payments for an order on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    let crashing: OrderService | undefined;
    let admin: Record<string, string>;
    before(async () => {
      platform = await checkoutPlatform(target.name, { ORDERS_RECOVERY_INTERVAL_MS: '3600000' });
      admin = { authorization: `Bearer ${await adminToken(platform)}` };
    });
    after(async () => {
      await crashing?.stop(0);
      await platform?.dispose();
    });

    const pay = (orderId: string, amount: string, key = randomUUID()) =>
      platform.app.inject({
        method: 'POST',
        url: '/payments',
        headers: { ...admin, 'idempotency-key': key },
        payload: { orderId, amount, currency: 'USD', method: 'card', region: 'US', card: CARDS.ok },
      });
    const expectConflict = (response: Awaited<ReturnType<typeof pay>>, code: string, field: string) => {
      assert.equal(response.statusCode, 409, response.body);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.deepEqual([response.json().code, response.json().field], [code, field]);
    };

    it('refuses any payment for a confirmed order, whatever the amount, naming amount; the order keeps its one payment', async () => {
      const sku = `GUARD-PAID-${target.name}`;
      const { order } = await aConfirmedOrder(platform, {
        sku,
        price: '10.00',
        stock: 5,
        quantity: 1,
      });

      const arbitrary = await pay(order.id, '999.00');
      expectConflict(arbitrary, 'PAYMENT.AMOUNT_MISMATCH', 'amount');
      assert.deepEqual([arbitrary.json().owed, arbitrary.json().orderStatus], ['0.00', 'confirmed']);
      expectConflict(await pay(order.id, order.total), 'PAYMENT.AMOUNT_MISMATCH', 'amount');
      expectConflict(await pay(randomUUID(), '10.00'), 'PAYMENT.UNKNOWN_ORDER', 'orderId');
      assert.deepEqual(
        (await paymentsOf(platform).findByOrder(order.id)).map((p) => p.status),
        ['captured'],
        'no second payment',
      );
    });

    it('takes exactly the total of a pending order, once: another amount names amount, a second key is refused', async () => {
      const sku = `GUARD-PENDING-${target.name}`;
      await seedSkus(platform, [{ sku, price: '7.00', quantity: 5 }]);
      const customer = await aCustomer(platform);
      // A checkout whose process died after the reservation: the order is pending, nothing paid yet.
      crashing = await openOrderService(platform, new ManualClock(new Date()), {
        fault: { step: 'reserve_stock', phase: 'after_save', action: 'throw' },
      });
      const key = randomUUID();
      await assert.rejects(
        placeOrder(crashing.deps, {
          userId: customer.userId,
          customer: {},
          idempotencyKey: key,
          input: checkoutBody([{ sku, quantity: 2 }]) as never,
        }),
        SimulatedCrash,
      );
      const order = (await crashing.deps.repository.findByIdempotencyKey(customer.userId, key))!;
      assert.equal(order.status, 'pending');
      const total = order.total.toDecimalString();

      const more = await pay(order.id, '1000.00');
      expectConflict(more, 'PAYMENT.AMOUNT_MISMATCH', 'amount');
      assert.deepEqual([more.json().owed, more.json().orderStatus], [total, 'pending']);
      const exact = await pay(order.id, total);
      assert.equal(exact.statusCode, 201, exact.body);
      assert.equal(exact.json().status, 'authorized');
      expectConflict(await pay(order.id, total), 'PAYMENT.ORDER_ALREADY_PAID', 'orderId');
      assert.equal((await paymentsOf(platform).findByOrder(order.id)).length, 1);
    });
  });
}
