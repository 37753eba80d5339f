import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loginToken, TEST_PASSWORD, type TestPlatform } from '@polyshop/platform/testing';
import { postgresTargets } from '@polyshop/testing';
import { aConfirmedOrder, checkoutPlatform, paymentsOf, stockOf } from '../fixtures/checkout-platform.ts';

/**
 * Issue 15: the sandbox gateway forgot its transactions on restart, so an order confirmed before a
 * restart could not be cancelled after it (the refund was rejected, the cancel answered 202 and the
 * saga retried for ever). The platform here is closed and built again on the same data.
 */
for (const target of postgresTargets()) {
  describe(`cancelling an order confirmed before a restart on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform | undefined;
    after(() => platform?.dispose());

    it('answers 200 cancelled: the payment is refunded in full and the stock is back', async () => {
      const env = { ORDERS_SAGA_REQUEST_TIMEOUT_MS: '5000' };
      platform = await checkoutPlatform(target.name, env, { restartable: true });
      const sku = `RESTART-${target.name}`;
      const { order, customer } = await aConfirmedOrder(platform, {
        sku,
        price: '12.50',
        stock: 5,
        quantity: 2,
      });

      platform = await platform.restart();

      const token = await loginToken(platform, customer.email, TEST_PASSWORD);
      const cancelled = await platform.app.inject({
        method: 'POST',
        url: `/orders/${order.id}/cancel`,
        headers: { authorization: `Bearer ${token}` },
        payload: { reason: 'changed my mind' },
      });
      assert.equal(cancelled.statusCode, 200, cancelled.body);
      assert.equal(cancelled.json().status, 'cancelled');
      const [payment, ...others] = await paymentsOf(platform).findByOrder(order.id);
      assert.equal(others.length, 0);
      assert.deepEqual(
        [payment?.status, payment?.refundedAmount],
        ['refunded', order.total],
        'refunded in full at the gateway that captured it before the restart',
      );
      assert.deepEqual(await stockOf(platform, sku), { quantity: 5, reserved: 0, available: 5 });
    });
  });
}
