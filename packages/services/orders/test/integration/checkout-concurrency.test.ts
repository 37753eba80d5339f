import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestPlatform } from '@polyshop/platform/testing';
import { postgresTargets } from '@polyshop/testing';
import { aCustomer, checkoutPlatform, seedSkus, stockOf } from '../fixtures/checkout-platform.ts';
import { assertUnitsSoldOnce, raceCheckouts } from '../fixtures/checkout-race.ts';

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
      const orders = await raceCheckouts(platform, { sku, token: customer.token, checkouts: CHECKOUTS });
      await assertUnitsSoldOnce(platform, orders, { units: UNITS, amount: '15.81' });
      assert.deepEqual(await stockOf(platform, sku), { quantity: 0, reserved: 0, available: 0 });
    });
  });
}
