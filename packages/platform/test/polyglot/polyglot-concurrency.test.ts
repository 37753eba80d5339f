import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { aCustomer, seedSkus } from '../../../services/orders/test/fixtures/checkout-platform.ts';
import { assertUnitsSoldOnce, raceCheckouts } from '../../../services/orders/test/fixtures/checkout-race.ts';
import { polyglotTargets, startPolyglotPlatform, type PolyglotPlatform } from './polyglot-stores.ts';

const CHECKOUTS = 500;
const UNITS = 100;

for (const target of polyglotTargets()) {
  describe(
    `checkout under concurrency in the polyglot profile (stock in DynamoDB; orders and payments on ${target.name})`,
    { skip: target.skip },
    () => {
      let poly: PolyglotPlatform;
      before(async () => {
        // Generous saga timings: the invariant must hold however slow the machine (and moto, one request at a time) is.
        poly = await startPolyglotPlatform(target, {
          ORDERS_SAGA_REQUEST_TIMEOUT_MS: '120000',
          ORDERS_SAGA_LEASE_MS: '900000',
          ORDERS_RECOVERY_INTERVAL_MS: '60000',
          DATABASE_POOL_SIZE: '20',
        });
      });
      after(() => poly?.dispose());

      it(
        `${CHECKOUTS} concurrent checkouts for ${UNITS} units: exactly ${UNITS} confirmed and captured, DynamoDB stock 0, the rest failed with nothing charged`,
        { timeout: 900_000 },
        async (t) => {
          const sku = `HOT-${randomBytes(4).toString('hex')}`.toUpperCase();
          await seedSkus(poly.platform, [{ sku, price: '9.99', quantity: UNITS }]);
          assert.deepEqual(await poly.stockItem(sku), { quantity: UNITS, reserved: 0, available: UNITS });
          const customer = await aCustomer(poly.platform);

          const started = performance.now();
          const orders = await raceCheckouts(poly.platform, {
            sku,
            token: customer.token,
            checkouts: CHECKOUTS,
          });
          const seconds = (performance.now() - started) / 1000;

          const counts = await assertUnitsSoldOnce(poly.platform, orders, { units: UNITS, amount: '15.81' });
          assert.deepEqual(await poly.stockItem(sku), { quantity: 0, reserved: 0, available: 0 });
          t.diagnostic(
            `${CHECKOUTS} checkouts in ${seconds.toFixed(1)} s: ${counts.confirmed} confirmed, ${counts.captured} captured, ${counts.failed} failed`,
          );
        },
      );
    },
  );
}
