import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestPlatform } from '@polyshop/platform/testing';
import { postgresTargets } from '@polyshop/testing';
import { aCustomer, checkoutBody, checkoutPlatform, paymentsOf, seedSkus, stockOf } from '../fixtures/checkout-platform.ts';

const CHECKOUTS = 500;
const UNITS = 100;

for (const target of postgresTargets()) {
  describe(`checkout under concurrency on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    before(async () => {
      // Generous saga timings: the invariants must hold however slow the machine is.
      platform = await checkoutPlatform(target.name, {
        ORDERS_SAGA_REQUEST_TIMEOUT_MS: '120000',
        ORDERS_SAGA_LEASE_MS: '600000',
        DATABASE_POOL_SIZE: '20',
      });
    });
    after(() => platform?.dispose());

    it(`${CHECKOUTS} concurrent checkouts for ${UNITS} units: exactly ${UNITS} confirmed and captured, stock 0, the rest failed with nothing charged`, async () => {
      const sku = `HOT-${target.name}`;
      await seedSkus(platform, [{ sku, price: '9.99', quantity: UNITS }]);
      const customer = await aCustomer(platform);
      const responses = await Promise.all(
        Array.from({ length: CHECKOUTS }, () =>
          platform.app.inject({
            method: 'POST',
            url: '/orders',
            headers: { authorization: `Bearer ${customer.token}`, 'idempotency-key': randomUUID() },
            payload: checkoutBody([{ sku, quantity: 1 }]),
          }),
        ),
      );
      assert.deepEqual([...new Set(responses.map((r) => r.statusCode))], [201], responses.find((r) => r.statusCode !== 201)?.body);
      const orders = responses.map((r) => r.json() as { id: string; status: string; reasonCode?: string });
      assert.equal(new Set(orders.map((o) => o.id)).size, CHECKOUTS);
      const confirmed = orders.filter((o) => o.status === 'confirmed');
      const failed = orders.filter((o) => o.status === 'failed');
      assert.equal(confirmed.length, UNITS);
      assert.equal(failed.length, CHECKOUTS - UNITS);
      assert.deepEqual([...new Set(failed.map((o) => o.reasonCode))], ['INVENTORY.INSUFFICIENT_STOCK']);

      assert.deepEqual(await stockOf(platform, sku), { quantity: 0, reserved: 0, available: 0 });
      const payments = paymentsOf(platform);
      let captured = 0;
      for (const order of confirmed) {
        const made = await payments.findByOrder(order.id);
        assert.deepEqual(made.map((p) => [p.status, p.amount]), [['captured', '15.81']], order.id);
        captured += 1;
      }
      assert.equal(captured, UNITS);
      for (const order of failed) assert.deepEqual(await payments.findByOrder(order.id), [], `failed order ${order.id} has a payment`);
    });
  });
}
