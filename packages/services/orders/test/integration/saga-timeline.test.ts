import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { adminToken, type TestPlatform } from '@polyshop/platform/testing';
import { postgresTargets } from '@polyshop/testing';
import type { OrderView } from '../../src/app/orders-views.ts';
import {
  aConfirmedOrder,
  aCustomer,
  CARDS,
  checkoutBody,
  checkoutPlatform,
} from '../fixtures/checkout-platform.ts';

interface Timeline {
  orderNumber: string;
  state: string;
  steps: { kind: string; from?: string; to: string; reasonCode?: string; at: string }[];
}

for (const target of postgresTargets()) {
  describe(`an order's saga timeline and staff search on ${target.name}`, { skip: target.skip }, () => {
    let platform: TestPlatform;
    let staff: string;
    const get = (url: string, token = staff) =>
      platform.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

    before(async () => {
      platform = await checkoutPlatform(target.name);
      staff = await adminToken(platform);
    });
    after(() => platform?.dispose());

    it('lists every state of a confirmed checkout, oldest first, to orders:read only', async () => {
      const { order, customer } = await aConfirmedOrder(platform, {
        sku: `TL-OK-${target.name}`.toUpperCase(),
        price: '12.50',
        stock: 5,
        quantity: 2,
      });
      const answer = await get(`/orders/${order.id}/saga`);
      assert.equal(answer.statusCode, 200, answer.body);
      const timeline = answer.json<Timeline>();
      assert.deepEqual([timeline.orderNumber, timeline.state], [order.orderNumber, 'confirmed']);
      assert.deepEqual(
        timeline.steps.map((step) => [step.kind, step.from ?? null, step.to]),
        [
          ['state', null, 'started'],
          ['state', 'started', 'stock_reserved'],
          ['state', 'stock_reserved', 'payment_authorized'],
          ['state', 'payment_authorized', 'stock_committed'],
          ['state', 'stock_committed', 'payment_captured'],
          ['state', 'payment_captured', 'confirmed'],
        ],
      );
      const times = timeline.steps.map((step) => Date.parse(step.at));
      assert.deepEqual(
        times,
        [...times].sort((a, b) => a - b),
        'oldest first',
      );

      const own = await get(`/orders/${order.id}/saga`, customer.token);
      assert.deepEqual([own.statusCode, own.json().code], [403, 'ORDERS.FORBIDDEN']);
      const unknown = await get(`/orders/${randomUUID()}/saga`);
      assert.deepEqual([unknown.statusCode, unknown.json().code], [404, 'ORDERS.NOT_FOUND']);
    });

    it('records the compensation of a declined card with its reason', async () => {
      const { order } = await aConfirmedOrder(platform, {
        sku: `TL-STOCK-${target.name}`.toUpperCase(),
        price: '3.00',
        stock: 5,
        quantity: 1,
      });
      const customer = await aCustomer(platform);
      const placed = await platform.app.inject({
        method: 'POST',
        url: '/orders',
        headers: { authorization: `Bearer ${customer.token}`, 'idempotency-key': randomUUID() },
        payload: checkoutBody([{ sku: order.items[0]!.sku, quantity: 1 }], CARDS.declined),
      });
      const failed = placed.json<OrderView>();
      assert.equal(failed.status, 'failed', placed.body);
      const timeline = (await get(`/orders/${failed.id}/saga`)).json<Timeline>();
      assert.equal(timeline.state, 'failed');
      // the decline is recorded on the step that starts compensating, with the order's reason
      const compensated = timeline.steps.find((step) => step.reasonCode !== undefined);
      assert.ok(compensated, JSON.stringify(timeline.steps));
      assert.deepEqual([compensated.from, compensated.reasonCode], ['stock_reserved', failed.reasonCode]);
      assert.equal(timeline.steps.at(-1)!.to, 'failed');
    });

    it('finds an order by its number and a customer by email (case-insensitive) for staff', async () => {
      const { order, customer } = await aConfirmedOrder(platform, {
        sku: `TL-FIND-${target.name}`.toUpperCase(),
        price: '1.00',
        stock: 3,
        quantity: 1,
      });
      const byNumber = await get(`/orders?orderNumber=${order.orderNumber.toLowerCase()}`);
      assert.equal(byNumber.statusCode, 200, byNumber.body);
      assert.deepEqual(
        byNumber.json<{ items: OrderView[] }>().items.map((o) => o.id),
        [order.id],
      );
      const byEmail = await get(`/orders?email=${encodeURIComponent(customer.email.toUpperCase())}`);
      assert.deepEqual(
        byEmail.json<{ items: OrderView[] }>().items.map((o) => o.id),
        [order.id],
      );
      // a customer's search stays within their own orders
      const other = await aCustomer(platform);
      const foreign = await get(`/orders?orderNumber=${order.orderNumber}`, other.token);
      assert.deepEqual(foreign.json<{ items: OrderView[] }>().items, []);
    });
  });
}
