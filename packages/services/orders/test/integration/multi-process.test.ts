import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  dropTestDatabase,
  skipReason,
  testDatabaseUrl,
  testServerUrl,
} from '@polyshop/testing';
import { checkoutBody } from '../fixtures/checkout-platform.ts';
import { freePort, startPolyshop, type PolyshopProcess, httpJson } from '@polyshop/platform/testing';

const SERVICES = ['users', 'products', 'inventory', 'payments', 'orders'] as const;
const ADMIN = { email: 'mp-admin@polyshop.test', password: 'Mp-Admin-Passw0rd!' };
const databaseServer = testDatabaseUrl();
const nats = testServerUrl('POLYSHOP_TEST_NATS_URL');

describe(
  'checkout with one process per service (HTTP clients, NATS events, PostgreSQL)',
  {
    skip:
      skipReason('POLYSHOP_TEST_DATABASE_URL', databaseServer) || skipReason('POLYSHOP_TEST_NATS_URL', nats),
  },
  () => {
    const processes: PolyshopProcess[] = [];
    const dataDir = mkdtempSync(join(tmpdir(), 'polyshop-orders-mp-'));
    const url: Record<string, string> = {};
    let database: { url: string; name: string };

    before(async () => {
      database = await createTestDatabase(databaseServer!);
      const env: Record<string, string> = {
        DATABASE_URL: database.url,
        NATS_URL: nats!,
        POLYSHOP_INTERNAL_TOKEN: `internal-${randomUUID()}`,
        POLYSHOP_ADMIN_EMAIL: ADMIN.email,
        POLYSHOP_ADMIN_PASSWORD: ADMIN.password,
      };
      const ports: Record<string, number> = {};
      for (const name of SERVICES) {
        ports[name] = await freePort();
        url[name] = `http://127.0.0.1:${ports[name]}`;
        env[`POLYSHOP_${name.toUpperCase()}_URL`] = url[name]!;
      }
      for (const name of SERVICES) {
        processes.push(
          await startPolyshop({
            dataDir: join(dataDir, name),
            env,
            command: ['serve', name],
            port: ports[name]!,
          }),
        );
      }
    });
    after(async () => {
      for (const process of processes.reverse()) await process.stop();
      if (database) await dropTestDatabase(databaseServer!, database.name);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('places and cancels an order through the other services over HTTP', async () => {
      const admin = (await httpJson(url.users!, 'POST', '/users/login', { body: ADMIN })).body
        .accessToken as string;
      assert.equal(
        (
          await httpJson(url.products!, 'POST', '/products/categories', {
            token: admin,
            body: { slug: 'mp', name: 'MP' },
          })
        ).status,
        201,
      );
      const product = await httpJson(url.products!, 'POST', '/products', {
        token: admin,
        body: {
          name: 'Lamp',
          category: 'mp',
          currency: 'USD',
          basePrice: '19.99',
          status: 'active',
          variants: [{ sku: 'MP-LAMP', price: '19.99' }],
        },
      });
      assert.equal(product.status, 201, JSON.stringify(product.body));
      assert.equal(
        (
          await httpJson(url.inventory!, 'PUT', '/inventory/MP-LAMP', {
            token: admin,
            body: { quantity: 3, reason: 'mp' },
          })
        ).status,
        201,
      );

      const placed = await httpJson(url.orders!, 'POST', '/orders', {
        token: admin,
        headers: { 'idempotency-key': randomUUID() },
        body: checkoutBody([{ sku: 'MP-LAMP', quantity: 2 }]),
      });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      assert.deepEqual([placed.body.status, placed.body.total], ['confirmed', '48.28']);
      assert.deepEqual((await httpJson(url.inventory!, 'GET', '/inventory/MP-LAMP')).body.quantity, 1);
      const short = await httpJson(url.orders!, 'POST', '/orders', {
        token: admin,
        headers: { 'idempotency-key': randomUUID() },
        body: checkoutBody([{ sku: 'MP-LAMP', quantity: 2 }]),
      });
      assert.deepEqual(
        [short.body.status, short.body.reasonCode],
        ['failed', 'INVENTORY.INSUFFICIENT_STOCK'],
      );

      const cancelled = await httpJson(url.orders!, 'POST', `/orders/${placed.body.id}/cancel`, {
        token: admin,
      });
      assert.deepEqual([cancelled.status, cancelled.body.status], [200, 'cancelled']);
      const stock = (await httpJson(url.inventory!, 'GET', '/inventory/MP-LAMP')).body;
      assert.deepEqual([stock.quantity, stock.reserved], [3, 0]);
      const payments = await httpJson(url.payments!, 'GET', `/payments?orderId=${placed.body.id}`, {
        token: admin,
      });
      assert.deepEqual(
        payments.body.map((p: { status: string }) => p.status),
        ['refunded'],
      );
    });
  },
);
