import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, dropTestDatabase, postgresTargets, testDatabaseUrl } from '@polyshop/testing';
import { CRASH_EXIT_CODE } from '../../src/index.ts';
import { CARDS, checkoutBody } from '../fixtures/checkout-platform.ts';
import { startPolyshop, type PolyshopProcess, httpJson } from '@polyshop/platform/testing';

const ADMIN = { email: 'e2e-admin@polyshop.test', password: 'E2e-Admin-Passw0rd!' };
const CUSTOMER_PASSWORD = 'Customer-Passw0rd!';

for (const target of postgresTargets()) {
  describe(`polyshop start end to end on ${target.name}`, { skip: target.skip }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'polyshop-orders-e2e-'));
    let database: { url: string; name: string } | undefined;
    let env: Record<string, string>;
    let running: PolyshopProcess | undefined;
    let base: string;
    let admin: string;
    let customer: string;
    const sku = `E2E-${target.name.toUpperCase()}`;

    before(async () => {
      env = {
        POLYSHOP_ADMIN_EMAIL: ADMIN.email,
        POLYSHOP_ADMIN_PASSWORD: ADMIN.password,
        NODE_ENV: 'test',
        ORDERS_SAGA_LEASE_MS: '1000',
        ORDERS_RECOVERY_INTERVAL_MS: '200',
      };
      if (target.name === 'postgres') {
        database = await createTestDatabase(testDatabaseUrl()!);
        env.DATABASE_URL = database.url;
      }
      running = await startPolyshop({ dataDir, env });
      base = running.url;
    });
    after(async () => {
      await running?.stop();
      if (database) await dropTestDatabase(testDatabaseUrl()!, database.name);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('logs in, stocks a product and places an order that is confirmed, with exact totals', async () => {
      const login = await httpJson(base, 'POST', '/users/login', { body: ADMIN });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      admin = login.body.accessToken;
      assert.equal(
        (
          await httpJson(base, 'POST', '/products/categories', {
            token: admin,
            body: { slug: 'e2e', name: 'E2E' },
          })
        ).status,
        201,
      );
      const product = await httpJson(base, 'POST', '/products', {
        token: admin,
        body: {
          name: 'Widget',
          category: 'e2e',
          currency: 'USD',
          basePrice: '19.99',
          status: 'active',
          variants: [
            { sku, price: '19.99' },
            { sku: `${sku}-DIME`, price: '0.10' },
          ],
        },
      });
      assert.equal(product.status, 201, JSON.stringify(product.body));
      for (const [s, quantity] of [
        [sku, 10],
        [`${sku}-DIME`, 30],
      ] as const) {
        assert.equal(
          (
            await httpJson(base, 'PUT', `/inventory/${s}`, {
              token: admin,
              body: { quantity, reason: 'e2e' },
            })
          ).status,
          201,
        );
      }
      const email = `shopper-${randomUUID()}@polyshop.test`;
      assert.equal(
        (
          await httpJson(base, 'POST', '/users/register', {
            body: { email, password: CUSTOMER_PASSWORD, name: 'Shopper' },
          })
        ).status,
        201,
      );
      customer = (
        await httpJson(base, 'POST', '/users/login', { body: { email, password: CUSTOMER_PASSWORD } })
      ).body.accessToken;

      const placed = await httpJson(base, 'POST', '/orders', {
        token: customer,
        headers: { 'idempotency-key': randomUUID() },
        body: checkoutBody([
          { sku, quantity: 1 },
          { sku: `${sku}-DIME`, quantity: 3 },
        ]),
      });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      assert.equal(placed.body.status, 'confirmed');
      assert.deepEqual(
        [placed.body.subtotal, placed.body.tax, placed.body.shipping, placed.body.total],
        ['20.29', '1.67', '5.00', '26.96'],
      );
      assert.equal(placed.headers.get('location'), `/orders/${placed.body.id}`);
      const read = await httpJson(base, 'GET', `/orders/${placed.body.id}`, { token: customer });
      assert.equal(read.body.status, 'confirmed');
      const stock = await httpJson(base, 'GET', `/inventory/${sku}`);
      assert.deepEqual([stock.body.quantity, stock.body.reserved], [9, 0]);
      const payments = await httpJson(base, 'GET', `/payments?orderId=${placed.body.id}`, { token: admin });
      assert.deepEqual(
        payments.body.map((p: { status: string; amount: string }) => [p.status, p.amount]),
        [['captured', '26.96']],
      );
    });

    /**
     * Kills the process at `crash` during a checkout of `quantity` units, restarts it, and asks again
     * with the same Idempotency-Key until the recovery worker has finished the order.
     */
    async function crashAndRecover(
      crash: string,
      quantity: number,
    ): Promise<{ id: string; status: string; reasonCode?: string }> {
      await running!.stop();
      running = await startPolyshop({ dataDir, env: { ...env, ORDERS_TEST_CRASH: crash } });
      const key = randomUUID();
      const body = checkoutBody([{ sku, quantity }], CARDS.ok);
      await assert.rejects(
        httpJson(running.url, 'POST', '/orders', {
          token: customer,
          headers: { 'idempotency-key': key },
          body,
        }),
      );
      assert.equal(await running.exited, CRASH_EXIT_CODE);

      running = await startPolyshop({ dataDir, env });
      base = running.url;
      let order: { id: string; status: string; reasonCode?: string } | undefined;
      for (let i = 0; i < 100 && (!order || order.status === 'pending'); i++) {
        const again = await httpJson(base, 'POST', '/orders', {
          token: customer,
          headers: { 'idempotency-key': key },
          body,
        });
        assert.ok([201, 202].includes(again.status), JSON.stringify(again.body));
        order = again.body;
        if (order?.status === 'pending') await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return order!;
    }

    it('survives the process dying after the capture, before the order knew: the restarted process confirms it', async () => {
      const order = await crashAndRecover('capture_payment:before_save:exit', 2);
      assert.equal(order.status, 'confirmed');
      const stock = await httpJson(base, 'GET', `/inventory/${sku}`);
      assert.deepEqual([stock.body.quantity, stock.body.reserved], [7, 0]);
      const payments = await httpJson(base, 'GET', `/payments?orderId=${order.id}`, { token: admin });
      assert.deepEqual(
        payments.body.map((p: { status: string }) => p.status),
        ['captured'],
      );
    });

    it('survives the process dying after the reservation, card details lost with it: the restarted process undoes the checkout', async () => {
      const order = await crashAndRecover('reserve_stock:after_save:exit', 3);
      assert.deepEqual([order.status, order.reasonCode], ['failed', 'ORDERS.PAYMENT_INTERRUPTED']);
      const stock = await httpJson(base, 'GET', `/inventory/${sku}`);
      assert.deepEqual([stock.body.quantity, stock.body.reserved], [7, 0]);
      const payments = await httpJson(base, 'GET', `/payments?orderId=${order.id}`, { token: admin });
      assert.deepEqual(payments.body, []);
      const mine = await httpJson(base, 'GET', '/orders', { token: customer });
      assert.deepEqual(
        mine.body.items.map((o: { status: string }) => o.status),
        ['failed', 'confirmed', 'confirmed'],
      );
    });
  });
}
